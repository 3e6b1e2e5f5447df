"""Where each change to the read model reaches, so that a hub report can be served as it was computed at an
earlier log position when nothing it reads has changed since (for that hub, on or before its day).

Every batch the read model applies adds, per scope it touched, one row of `rm_changes`: the scope (a hub,
an area, or every hub), the first and last log positions of the batch's changes to it, and the earliest
valid-time day they change ('' for every day). `settled_position` then finds, for a hub and a day, the last
position at or before a given one at which anything the hub's report as of that day reads may have
changed: the report known then is the report known now. The rows are coarse (per batch, earliest day) and
so err only one way: a change is never missed, a position may be later than it need be. They depend on how
the log was batched, so `projections check` does not compare them with a replay; the property tests check
what they promise instead.

What a hub's report reads (projections/report.py): its hub, its members and the institutions of its area,
their assessments and matches, its funding, targets and terms, and the national figures."""

from __future__ import annotations

from typing import Any

from projections.tables import cell

# kind -> (the columns naming whose report a version reaches, the valid-time columns from whose earliest
# day on it changes them; none: every day). A urn reaches its institution's hubs and areas, every version
# of it (a school that moved is still counted where it was); no column reaches every hub.
REACH: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "hubs": (("hub_id",), ()),
    "institutions": (("hub_id", "area"), ()),
    "terms": (("hub_id",), ()),
    "targets": (("hub_id",), ()),
    "funding": (("hub_id",), ("applied_on", "decided_on")),
    "assessments": (("urn",), ("assessed_on",)),
    "matches": (("urn",), ("matched_on", "ended_on")),
    "national": ((), ("published_on",)),
}
CHANGE_COLUMNS = ("scope", "first_nid", "last_nid", "first_day")
EVERY_HUB = "*"
EVERY_DAY = ""


def scope(column: str, value: Any) -> str:
    return f"{column}:{value}"


class Reached:
    """The scopes one batch's changes reach: scope -> [first position, last position, earliest day]."""

    def __init__(self) -> None:
        self.scopes: dict[str, list[Any]] = {}
        self.urns: dict[str, list[Any]] = {}  # resolved to their institutions' scopes when written

    def version(self, kind: str, nid: int, values: dict[str, Any]) -> None:
        """A version of a record of `kind` recorded or superseded at log position `nid`."""
        if (reach := REACH.get(kind)) is None:
            return
        columns, days = reach
        day = min((str(cell(values[d])) for d in days if values.get(d)), default=EVERY_DAY)
        if not columns:
            self.add(self.scopes, EVERY_HUB, nid, day)
        for column in columns:
            value = values.get(column)
            if value is None:
                continue
            if column == "urn":
                self.add(self.urns, str(value), nid, day)
            else:
                self.add(self.scopes, scope(column, value), nid, day)

    @staticmethod
    def add(into: dict[str, list[Any]], key: str, nid: int, day: str) -> None:
        if (seen := into.get(key)) is None:
            into[key] = [nid, nid, day]
        else:
            seen[0], seen[1], seen[2] = min(seen[0], nid), max(seen[1], nid), min(seen[2], day)

    def rows(self, places: dict[str, set[str]]) -> list[tuple[str, int, int, str]]:
        """The rows to write, `places` giving each urn's scopes (those of every version of its institution)."""
        scopes = {k: list(v) for k, v in self.scopes.items()}
        for urn, (first, last, day) in self.urns.items():
            for place in places.get(urn, ()):
                self.add(scopes, place, first, day)
                self.add(scopes, place, last, day)
        return [(s, first, last, day) for s, (first, last, day) in sorted(scopes.items())]


def institution_places(c: Any, urns: list[str]) -> dict[str, set[str]]:
    """urn -> the hub and area scopes of every version of its institution."""
    places: dict[str, set[str]] = {}
    for start in range(0, len(urns), 1000):
        chunk = urns[start : start + 1000]
        among, params = c.backend.one_of("urn", chunk)
        rows = c.execute(f"SELECT DISTINCT urn, hub_id, area FROM rm_institutions WHERE {among}", params).fetchall()
        for row in rows:
            found = places.setdefault(row["urn"], set())
            found.update(scope(column, row[column]) for column in ("hub_id", "area") if row[column] is not None)
    return places
