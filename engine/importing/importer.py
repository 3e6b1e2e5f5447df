"""`careerhub import KIND FILE`: a whole file in one transaction, idempotent, corrections as events."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from tqdm import tqdm

from engine.application import CareerHub
from engine.errors import CareerHubError, ImportRejected
from engine.importing.derive import derive_rows
from engine.importing.parsing import Row, read_rows
from engine.importing.references import check_agreement, referenced_keys, unknown
from engine.importing.scope import check_scope, hub_scope
from engine.kinds import KINDS, Kind
from engine.records import RECORD_CLASSES, Record

PROGRESS_ABOVE_ROWS = 5000


@dataclass
class RowPlan:
    """What each row of a file does: records a new record, corrects one (naming the changed fields), or
    changes nothing."""

    new: list[Row] = field(default_factory=list)
    corrected: list[tuple[Row, list[str]]] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)

    def clear(self) -> None:
        for rows in (self.new, self.corrected, self.unchanged):
            rows.clear()


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file: str
    rows: int
    recorded: int  # events recorded (with dry_run: that would be)
    unchanged: int
    plan: RowPlan | None = None  # with dry_run: the rows by what they would do

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "plan"}


def key_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def natural_key(schema: Kind, values: dict[str, Any]) -> tuple[str, ...]:
    if schema.optional_key and values.get(schema.optional_key):
        return (values[schema.optional_key],)
    if not schema.key:
        canonical = json.dumps(values, sort_keys=True, default=key_text)
        return ("row-" + hashlib.sha256(canonical.encode()).hexdigest()[:32],)
    return tuple(key_text(values[c]) for c in schema.key)


def schema_for(kind: str) -> Kind:
    if kind not in KINDS:
        raise CareerHubError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return KINDS[kind]


def rows_by_key(path: Path, schema: Kind, rows: list[Row]) -> dict[tuple[str, ...], Row]:
    """Rows keyed by natural key; a key repeated with different values rejects the file."""
    keyed: dict[tuple[str, ...], Row] = {}
    for row in rows:
        key = natural_key(schema, row.values)
        first = keyed.setdefault(key, row)
        if first is not row and first.values != row.values:
            column = next(c for c in schema.column_names if first.values[c] != row.values[c])
            raise ImportRejected(
                str(path), row.line, column, f"repeats the key {'/'.join(key)} of line {first.line} with a different value"
            )
    return keyed


def check_references(app: CareerHub, path: Path, schema: Kind, rows: list[Row]) -> None:
    """Every referenced record exists, is not retracted and agrees with the row, or the file is rejected."""
    for reference in schema.references:
        record_class = RECORD_CLASSES[reference.kind]
        keys = {k for row in rows for k in referenced_keys(reference, row)}
        ids = {k: record_class.id_for(k) for k in keys}  # once per record, not per row: uuid5 is not cheap
        found = app.load_many(ids.values())
        for row in rows:
            for key in referenced_keys(reference, row):
                record = found.get(ids[key])
                if record is None or record.retracted:
                    raise ImportRejected(
                        str(path), row.line, schema.input_column(reference.column), unknown(schema, reference, key)
                    )
                check_agreement(path, schema, reference, row, record.values)


def import_file(
    app: CareerHub,
    kind: str,
    path: Path,
    actor: str,
    reason: str | None = None,
    data: bytes | None = None,
    hub_id: str | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Record a whole file or nothing; a re-import of the same file records nothing. With `hub_id`
    (a user limited to one hub) every row and every record it changes must belong to that hub. With
    `dry_run`, the same parsing, checks and plan, but nothing is saved: the summary's plan says what
    each row would record."""
    schema = schema_for(kind)
    scope = hub_scope(app, hub_id) if hub_id is not None else None
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ImportRejected(str(path), None, None, f"cannot read the file: {error.strerror}") from None
    rows = derive_rows(app, path, schema, read_rows(path, schema.input_kind, data))
    keyed = rows_by_key(path, schema, rows)
    record_class = RECORD_CLASSES[kind]
    ids = {key: record_class.id_for(key) for key in keyed}
    unchanged = 0
    file_name = Path(path).name
    rows_plan = RowPlan()

    def plan() -> list[Record]:
        nonlocal unchanged
        check_references(app, path, schema, list(keyed.values()))
        existing = app.load_many(ids.values())
        if scope is not None:
            check_scope(app, scope, path, schema, [(row, existing.get(ids[key])) for key, row in keyed.items()])
        changed: list[Record] = []
        unchanged = len(rows) - len(keyed)  # exact repeats inside the file
        rows_plan.clear()  # a retry plans again from scratch
        progress = tqdm(
            keyed.items(), desc=f"{Path(path).name}", unit="row", file=sys.stderr, disable=len(keyed) <= PROGRESS_ABOVE_ROWS
        )
        for key, row in progress:
            source = f"{file_name}:{row.line}"
            valid_on = row.values.get(schema.valid_on) if schema.valid_on else None
            record = existing.get(ids[key])
            if record is None:
                changed.append(record_class.record(key, row.values, valid_on, actor, reason, source, ids[key]))
                rows_plan.new.append(row)
            elif fields_changed := record.changes_from(row.values):
                record.correct(row.values, valid_on, actor, reason, source)
                changed.append(record)
                rows_plan.corrected.append((row, fields_changed))
            else:
                unchanged += 1
                rows_plan.unchanged.append(row)
        return changed

    recorded = len(plan()) if dry_run else len(app.save_with_retry(plan))
    return ImportSummary(kind, str(path), len(rows), recorded, unchanged, rows_plan if dry_run else None)
