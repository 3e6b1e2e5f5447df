"""What a reference asks of the record it names (engine/kinds.py `Reference`): that it exists, and,
where declared, that it has more key columns from the row, agrees with the row on some columns, and
spans the row's date. A participation names its learner this way: same school, same year, on roll."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from engine.errors import ImportRejected
from engine.importing.parsing import Row
from engine.kinds import Kind, Reference


def key_part(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def referenced_keys(reference: Reference, row: Row) -> list[tuple[str, ...]]:
    """The natural keys of the records a row names through a reference (one per item, for a list)."""
    if reference.when and row.values.get(reference.when[0]) != reference.when[1]:
        return []
    value = row.values.get(reference.column)
    if value is None or any(row.values.get(c) is None for c in reference.also):
        return []
    more = tuple(key_part(row.values[c]) for c in reference.also)
    return [(str(v), *more) for v in value] if isinstance(value, list) else [(str(value), *more)]


def unknown(schema: Kind, reference: Reference, key: tuple[str, ...]) -> str:
    """Why a row's reference does not resolve; a derived value (a pseudonym) is not quoted back."""
    if schema.input_column(reference.column) != reference.column:
        same = [*reference.agrees, *(f"{c} {v}" for c, v in zip(reference.also, key[1:], strict=True))]
        return (
            f"names no known {reference.kind} record"
            + (f" with this row's {' and '.join(same)}" if same else "")
            + f"; import {reference.kind} first"
        )
    shown = key[0] if len(key) == 1 else "/".join(key)
    return f"{shown!r} is not a known {reference.kind} record; import {reference.kind} first"


def check_agreement(path: Path, schema: Kind, reference: Reference, row: Row, values: dict[str, Any]) -> None:
    """Reject the row when the record it names disagrees with it or does not span its date."""
    for column in reference.agrees:
        if key_part(values.get(column)) != key_part(row.values.get(column)):
            raise ImportRejected(
                str(path),
                row.line,
                schema.input_column(column),
                f"{row.values.get(column)} differs from the {column} of the {reference.kind} record "
                f"it names ({values.get(column)})",
            )
    if reference.within:
        column, start, end = reference.within
        day = key_part(row.values.get(column))
        first, last = values.get(start), values.get(end)
        if (first is not None and day < key_part(first)) or (last is not None and day >= key_part(last)):
            raise ImportRejected(
                str(path),
                row.line,
                column,
                f"{day} is outside the {reference.kind} record's {start}–{end} ({first or '…'} to {last or '…'})",
            )
