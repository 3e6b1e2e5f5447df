"""Uploading the CSV files of DATA.md §2: the same import as the command line (whole file or
nothing, re-imports record nothing, errors name the line), recorded as the signed-in user; a preview
is the same import planned and not saved; a template per kind; a record retracted from its page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
)
from htmx_flask import make_response

from engine.errors import ImportRejected, OutOfScope, OutOfScopeRecord
from engine.importing.importer import ImportSummary
from engine.importing.parsing import Row
from engine.importing.templates import import_columns, template_csv
from engine.kinds import KINDS
from service.records import retract_record
from web.access import actor, can, hub_service, requires, safe_next
from web.forms import InvalidField, text_arg
from web.htmx import page_or_fragment, wants_fragment

bp = Blueprint("data", __name__, url_prefix="/data")
PREVIEW_ROWS = 5  # the first rows of each outcome a preview shows


def render(status: int = 200, **result: Any) -> Any:
    kinds = [k for k, schema in KINDS.items() if g.user.hub_id is None or not schema.hub_wide]
    return page_or_fragment(
        "data/upload.html",
        "data/_result.html",
        kinds=kinds,
        schemas=KINDS,
        columns={k: import_columns(KINDS[k]) for k in kinds},
        kind=result.pop("kind", None),
        **result,
    ), status


@bp.get("/")
@requires("upload")
def upload() -> Any:
    return render()


def uploaded(dry_run: bool) -> Any:
    """Import (or with `dry_run` plan) the uploaded file; the page or fragment says what happened."""
    kind, reason, upload_file = text_arg("kind", "form"), text_arg("reason", "form"), request.files.get("file")
    if kind not in KINDS:
        return render(422, problem="Choose what kind of data the file holds.", invalid="kind")
    if upload_file is None or not upload_file.filename:
        return render(422, kind=kind, problem="Choose a CSV file to upload.", invalid="file")
    name = Path(upload_file.filename.replace("\\", "/")).name
    try:
        summary = hub_service().import_file(
            kind, Path(name), actor(), reason, data=upload_file.read(), hub_id=g.user.hub_id, dry_run=dry_run
        )
    except ImportRejected as error:
        return render(403 if isinstance(error, OutOfScope) else 422, kind=kind, rejected=error, filename=name)
    if dry_run:
        return render(kind=kind, preview=preview(kind, summary), filename=name)
    return render(kind=kind, summary=summary, filename=name)


@bp.post("/")
@requires("upload")
def import_upload() -> Any:
    return uploaded(dry_run=False)


@bp.post("/preview")
@requires("upload")
def preview_upload() -> Any:
    """What the file would record (new, corrected, unchanged, with the first rows of each); nothing is saved."""
    return uploaded(dry_run=True)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value.isoformat() if isinstance(value, date) else str(value)


def preview(kind: str, summary: ImportSummary) -> dict[str, Any]:
    """The dry run as the page shows it: counts, and the first rows of each outcome as cells."""
    plan = summary.plan
    assert plan is not None
    columns = KINDS[kind].column_names

    def shown(row: Row, changed: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
        return {"line": row.line, "cells": [(c, cell(row.values.get(c)), c in changed) for c in columns]}

    return {
        "columns": columns,
        "rows": summary.rows,
        "unchanged": summary.unchanged,
        "new": len(plan.new),
        "corrected": len(plan.corrected),
        "outcomes": [
            ("new", "New records", [shown(r) for r in plan.new[:PREVIEW_ROWS]]),
            (
                "corrected",
                "Corrections (changed cells marked)",
                [shown(r, changed) for r, changed in plan.corrected[:PREVIEW_ROWS]],
            ),
            ("unchanged", "Unchanged", [shown(r) for r in plan.unchanged[:PREVIEW_ROWS]]),
        ],
    }


@bp.get("/templates/<kind>.csv")
@requires("upload")
def template(kind: str) -> Any:
    """An empty file of the kind: its header row, the columns in the order the importer reads them."""
    if kind not in KINDS:
        abort(404, description=f"There is no kind of data called {kind!r}.")
    return Response(
        template_csv(KINDS[kind]),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'},
    )


@bp.post("/retract")
@requires("upload")
def retract() -> Any:
    """Retract one record, with a reason, from its page; a user of one hub only within the hub's scope."""
    kind, key, reason = text_arg("kind", "form") or "", text_arg("key", "form") or "", text_arg("reason", "form")
    back = safe_next(text_arg("next", "form")) or "/"
    if not reason:
        raise InvalidField("reason", "Reason: say why the record is retracted; the reason is kept with the retraction.")
    try:
        position = retract_record(hub_service(), kind, key, actor(), reason, g.user.hub_id)
    except OutOfScopeRecord as error:
        abort(403, description=f"{str(error)[0].upper()}{str(error)[1:]}.")
    message = f"Retracted {kind} {key} (log position {position}): {reason}"
    if wants_fragment():
        return make_response(render_template("data/_retracted.html", message=message))
    flash(message)
    return redirect(back, 303)


def mark_retractable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History rows, the last event of each record still in force marked `retractable` when the signed-in
    user may upload (the retraction itself checks the hub scope)."""
    if not can("upload"):
        return rows
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        if row["kind"] in KINDS and row["record_key"]:
            last[(row["kind"], row["record_key"])] = row
    live = {id(row) for row in last.values() if row["event"] != "Retracted"}
    return [{**row, "retractable": id(row) in live} for row in rows]
