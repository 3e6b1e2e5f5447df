"""What a user limited to one hub may import: rows of their hub and its area, and changes only to
records that already belong there. Checked on the importer's own parsed rows and on the records
they would correct, so no spelling of a cell or header gets round it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.application import CareerHub
from engine.errors import CareerHubError, OutOfScope
from engine.importing.parsing import Row
from engine.kinds import Kind
from engine.records import RECORD_CLASSES, Record


@dataclass(frozen=True)
class HubScope:
    hub_id: str
    area: str


def hub_scope(app: CareerHub, hub_id: str) -> HubScope:
    """The scope of a user of one hub, read from the hub's own record."""
    hub_class = RECORD_CLASSES["hubs"]
    record_id = hub_class.id_for((hub_id,))
    hub = app.load_many([record_id]).get(record_id)
    if hub is None or hub.retracted:
        raise CareerHubError(f"your account is limited to hub {hub_id!r}, which is not a known hub")
    return HubScope(hub_id, hub.values["area"])


def check_scope(app: CareerHub, scope: HubScope, path: Path, schema: Kind, rows: list[tuple[Row, Record | None]]) -> None:
    """Reject the file at the first row outside the scope, or that would change a record outside it."""
    if schema.hub_wide:
        raise OutOfScope(str(path), None, None, f"{schema.kind} change every hub's figures; ask an administrator to import them")
    recorded = [record.values for _, record in rows if record is not None]
    areas = institution_areas(app, schema, [row.values for row, _ in rows] + recorded)
    for row, record in rows:
        problem = outside(scope, schema, row.values, areas)
        if problem is None and record is not None:
            problem = outside(scope, schema, record.values, areas)
            if problem is not None:
                problem = (
                    problem[0],
                    f"changes the recorded {schema.kind} {'/'.join(record.key)}, which belongs elsewhere: {problem[1]}",
                )
        if problem is not None:
            raise OutOfScope(str(path), row.line, problem[0], problem[1])


def outside_record(app: CareerHub, scope: HubScope, schema: Kind, values: dict[str, Any]) -> str | None:
    """Why a user of the scope may not change (or retract) one recorded record, or None: by the rules
    an import follows for the records it would change."""
    if schema.hub_wide:
        return f"{schema.kind} change every hub's figures; ask an administrator"
    problem = outside(scope, schema, values, institution_areas(app, schema, [values]))
    return None if problem is None else problem[1]


def institution_areas(app: CareerHub, schema: Kind, values: Iterable[dict[str, Any]]) -> dict[str, str]:
    """URN -> area of each recorded institution the rows are about."""
    institution_class = RECORD_CLASSES["institutions"]
    urns = {urn for v in values if (urn := schema.institution_of(v)) is not None}
    ids = {institution_class.id_for((urn,)): urn for urn in urns}
    return {ids[i]: record.values["area"] for i, record in app.load_many(ids).items()}


def outside(scope: HubScope, schema: Kind, values: dict[str, Any], areas: dict[str, str]) -> tuple[str, str] | None:
    """(column, why) when a row's values lie outside the scope."""
    hub = values.get(schema.hub_column) if schema.hub_column else None
    if hub is not None and hub != scope.hub_id:
        return schema.hub_column or "", f"hub {hub!r} is not your hub ({scope.hub_id})"
    if schema.area_column and values.get(schema.area_column) != scope.area:
        area = values.get(schema.area_column)
        said = f"area {area!r} is not" if area is not None else "no area is given; it must be"
        return schema.area_column, f"{said} your hub's area ({scope.area})"
    urn = schema.institution_of(values)
    if urn is not None and urn in areas and areas[urn] != scope.area:
        column = schema.institution.column if schema.institution else ""
        return column, f"institution {urn} is outside your hub's area ({scope.area})"
    return None
