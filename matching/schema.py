"""The matcher's input: a snapshot of one area on one day, as plain frozen values."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching.errors import SnapshotError
from matching.weights import Weights, weights_from_dict, weights_to_dict

__all__ = [
    "KINDS",
    "Adviser",
    "School",
    "Snapshot",
    "Weights",
    "canonical_json",
    "snapshot_digest",
    "snapshot_from_dict",
    "snapshot_to_dict",
]

KINDS = ("school", "college", "special", "alternative_provision", "independent")
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class School:
    """An engaged institution with no active match on the snapshot's day."""

    urn: str
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    disadvantaged: bool
    waiting_days: int
    benchmarks: tuple[int, ...] | None

    def __post_init__(self) -> None:
        where = f"school {self.urn!r}"
        if self.kind not in KINDS:
            raise SnapshotError(f"{where}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.waiting_days < 0:
            raise SnapshotError(f"{where}: waiting_days must be >= 0")
        _check_coordinates(where, self.latitude, self.longitude)
        if self.benchmarks is not None and (len(self.benchmarks) != 8 or any(not 0 <= b <= 100 for b in self.benchmarks)):
            raise SnapshotError(f"{where}: benchmarks must be 8 percentages 0-100")


@dataclass(frozen=True)
class Adviser:
    """A volunteer Enterprise Adviser; spare capacity is capacity - active_matches."""

    adviser_ref: str
    name: str
    employer: str | None
    sector: str | None
    skills: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    capacity: int
    active_matches: int
    max_travel_km: float
    available: bool
    conflicts: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        where = f"adviser {self.adviser_ref!r}"
        if self.capacity < 0 or self.active_matches < 0:
            raise SnapshotError(f"{where}: capacity and active_matches must be >= 0")
        if not math.isfinite(self.max_travel_km) or self.max_travel_km < 0:
            raise SnapshotError(f"{where}: max_travel_km must be a finite number >= 0")
        _check_coordinates(where, self.latitude, self.longitude)

    @property
    def spare(self) -> int:
        return max(0, self.capacity - self.active_matches)


@dataclass(frozen=True)
class Snapshot:
    """Everything the matcher needs about one area on one day; nothing else is read."""

    area: str
    as_of: date
    schools: tuple[School, ...]
    advisers: tuple[Adviser, ...]
    pins: tuple[tuple[str, str], ...] = ()
    forbidden: tuple[tuple[str, str], ...] = ()
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self) -> None:
        _check_unique("school urn", [s.urn for s in self.schools])
        _check_unique("adviser_ref", [a.adviser_ref for a in self.advisers])


def _check_coordinates(where: str, lat: float | None, lon: float | None) -> None:
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        raise SnapshotError(f"{where}: latitude must be within -90..90")
    if lon is not None and not (math.isfinite(lon) and -180 <= lon <= 180):
        raise SnapshotError(f"{where}: longitude must be within -180..180")


def _check_unique(what: str, keys: list[str]) -> None:
    if len(set(keys)) != len(keys):
        dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
        raise SnapshotError(f"duplicate {what}: {', '.join(dupes)}")


def _float(x: float | None) -> float | None:
    return None if x is None else float(x)


def _school_to_dict(s: School) -> dict[str, Any]:
    return {
        "urn": s.urn,
        "name": s.name,
        "kind": s.kind,
        "latitude": _float(s.latitude),
        "longitude": _float(s.longitude),
        "disadvantaged": bool(s.disadvantaged),
        "waiting_days": int(s.waiting_days),
        "benchmarks": None if s.benchmarks is None else [int(b) for b in s.benchmarks],
    }


def _adviser_to_dict(a: Adviser) -> dict[str, Any]:
    return {
        "adviser_ref": a.adviser_ref,
        "name": a.name,
        "employer": a.employer,
        "sector": a.sector,
        "skills": list(a.skills),
        "latitude": _float(a.latitude),
        "longitude": _float(a.longitude),
        "capacity": int(a.capacity),
        "active_matches": int(a.active_matches),
        "max_travel_km": float(a.max_travel_km),
        "available": bool(a.available),
        "conflicts": sorted(a.conflicts),
    }


def snapshot_to_dict(s: Snapshot) -> dict[str, Any]:
    """Return the snapshot as JSON-safe values (dates as ISO strings), order preserved."""
    return {
        "format": SNAPSHOT_FORMAT,
        "area": s.area,
        "as_of": s.as_of.isoformat(),
        "schools": [_school_to_dict(x) for x in s.schools],
        "advisers": [_adviser_to_dict(x) for x in s.advisers],
        "pins": [[u, r] for u, r in s.pins],
        "forbidden": [[u, r] for u, r in s.forbidden],
        "weights": weights_to_dict(s.weights),
    }


def _opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def snapshot_from_dict(d: dict[str, Any]) -> Snapshot:
    """Rebuild a snapshot from snapshot_to_dict's output (the exact inverse)."""
    if d.get("format", SNAPSHOT_FORMAT) != SNAPSHOT_FORMAT:
        raise SnapshotError(f"unsupported snapshot format {d.get('format')!r}")
    try:
        schools = tuple(
            School(
                urn=x["urn"],
                name=x["name"],
                kind=x["kind"],
                latitude=_opt_float(x["latitude"]),
                longitude=_opt_float(x["longitude"]),
                disadvantaged=bool(x["disadvantaged"]),
                waiting_days=int(x["waiting_days"]),
                benchmarks=None if x["benchmarks"] is None else tuple(int(b) for b in x["benchmarks"]),
            )
            for x in d["schools"]
        )
        advisers = tuple(
            Adviser(
                adviser_ref=x["adviser_ref"],
                name=x["name"],
                employer=x["employer"],
                sector=x["sector"],
                skills=tuple(x["skills"]),
                latitude=_opt_float(x["latitude"]),
                longitude=_opt_float(x["longitude"]),
                capacity=int(x["capacity"]),
                active_matches=int(x["active_matches"]),
                max_travel_km=float(x["max_travel_km"]),
                available=bool(x["available"]),
                conflicts=frozenset(x["conflicts"]),
            )
            for x in d["advisers"]
        )
        return Snapshot(
            area=d["area"],
            as_of=date.fromisoformat(d["as_of"]),
            schools=schools,
            advisers=advisers,
            pins=tuple((str(u), str(r)) for u, r in d["pins"]),
            forbidden=tuple((str(u), str(r)) for u, r in d["forbidden"]),
            weights=weights_from_dict(d["weights"]),
        )
    except (KeyError, TypeError) as e:
        raise SnapshotError(f"malformed snapshot: missing or wrong field {e}") from e


def canonical_json(s: Snapshot) -> str:
    """Return the snapshot as JSON with keys, schools, advisers, pins and forbids sorted."""
    d = snapshot_to_dict(s)
    d["schools"].sort(key=lambda x: x["urn"])
    d["advisers"].sort(key=lambda x: x["adviser_ref"])
    d["forbidden"] = sorted({(u, r) for u, r in d["forbidden"]})
    d["pins"] = sorted({(u, r) for u, r in d["pins"]})
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def snapshot_digest(s: Snapshot) -> str:
    """Return the sha256 hex digest of the snapshot's canonical JSON."""
    return hashlib.sha256(canonical_json(s).encode("ascii")).hexdigest()
