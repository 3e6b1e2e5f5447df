"""The quality weights: declared once, in config/matching.py; checked and serialised here.

Serialising follows each field's declared type (a float is written as a float, a tuple as a
list, and read back the same way), so a new weight needs nothing in this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from itertools import repeat
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from config.matching import MatchingWeights
from matching.errors import SnapshotError

_POINTS = "points"  # the mark config.matching.Points puts on a field


@dataclass(frozen=True)
class Weights(MatchingWeights):
    """The weights a solve uses (see config/matching.py for what each one means), checked."""

    def __post_init__(self) -> None:
        if any(not math.isfinite(p) or p < 0 for p in _points(self)):
            raise SnapshotError("weights: points must be finite and >= 0")
        if self.waiting_full_days <= 0:
            raise SnapshotError("weights: waiting_full_days must be > 0")
        if not 0 <= self.unassessed_shortfall <= 1:
            raise SnapshotError("weights: unassessed_shortfall must be within 0-1")
        if any(not 0 <= p <= 1 for _, p in self.kind_priorities):
            raise SnapshotError("weights: kind priorities must be within 0-1")


_TYPES = get_type_hints(Weights, include_extras=True)


def _points(w: Weights) -> list[float]:
    return [getattr(w, name) for name, tp in _TYPES.items() if _POINTS in get_args(tp)[1:]]


def weights_to_dict(w: Weights) -> dict[str, Any]:
    """Return the weights as JSON values, in field order: tuples as lists, floats as floats."""
    return {f.name: _to_json(_TYPES[f.name], getattr(w, f.name)) for f in fields(w)}


def weights_from_dict(d: dict[str, Any]) -> Weights:
    """Rebuild weights from weights_to_dict's output; a missing key keeps its default."""
    unknown = sorted(set(d) - set(_TYPES))
    if unknown:
        raise SnapshotError(f"weights: unknown keys {', '.join(unknown)}")
    return Weights(**{name: _from_json(_TYPES[name], value) for name, value in d.items()})


def _shape(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """Return a type's outer class and its arguments, looking through Annotated marks."""
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return get_origin(tp) or tp, get_args(tp)


def _item_types(args: tuple[Any, ...]) -> Any:
    """Return the types of a tuple's items: tuple[X, ...] repeats X, tuple[A, B] is fixed."""
    return repeat(args[0]) if len(args) == 2 and args[1] is Ellipsis else args


def _to_json(tp: Any, value: Any) -> Any:
    # Floats are written as floats so that 30 and 30.0 give one snapshot digest.
    base, args = _shape(tp)
    if base is tuple:
        return [_to_json(t, x) for t, x in zip(_item_types(args), value)]  # noqa: B905 (X repeated)
    return float(value) if base is float else value


def _from_json(tp: Any, value: Any) -> Any:
    base, args = _shape(tp)
    if base is tuple:
        items = list(value)
        types = _item_types(args)
        if isinstance(types, tuple) and len(types) != len(items):
            raise SnapshotError(f"weights: {value!r} should have {len(types)} items")
        return tuple(_from_json(t, x) for t, x in zip(types, items))  # noqa: B905 (lengths checked, or X repeated)
    if base in (float, int, str):
        return base(value)
    raise TypeError(f"weights: no JSON form for a field of type {tp!r}")
