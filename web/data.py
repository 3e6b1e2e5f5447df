"""Uploading the CSV files of DATA.md §2: the same import as the command line (whole file or
nothing, re-imports record nothing, errors name the line), recorded as the signed-in user."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import Blueprint, g, request

from engine.errors import ImportRejected
from engine.importing.schema import SCHEMAS
from projections.queries import in_list, known_rows, position_at
from web.access import actor, hub_service, known_hubs, requires
from web.forms import text_arg
from web.htmx import page_or_fragment

bp = Blueprint("data", __name__, url_prefix="/data")

HUB_WIDE_KINDS = ("hubs", "national")  # they change every hub's figures: only users of all hubs import them


def render(status: int = 200, **result: Any) -> Any:
    kinds = [k for k in SCHEMAS if g.user.hub_id is None or k not in HUB_WIDE_KINDS]
    return page_or_fragment("data/upload.html", "data/_result.html", kinds=kinds, schemas=SCHEMAS,
                            kind=result.pop("kind", None), **result), status


@bp.get("/")
@requires("upload")
def upload() -> Any:
    return render()


def out_of_scope(kind: str, data: bytes) -> str | None:
    """Why a user limited to one hub may not import this file (rows of another hub or area), if so.
    Only what the scope needs is read here; the import itself checks everything else."""
    hub_id = g.user.hub_id
    if hub_id is None:
        return None
    if kind in HUB_WIDE_KINDS:
        return f"{kind} change every hub's figures; ask an administrator to import them."
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None  # the import rejects the file and says where
    area = next((h["area"] for h in known_hubs() if h["hub_id"] == hub_id), None)
    urn_column = {"assessments": "urn", "matches": "urn", "encounters": "urn", "funding": "applicant"}.get(kind)
    db = hub_service().db
    urns = {row.get(urn_column) for row in rows if urn_column and row.get(urn_column)}
    foreign = {r["urn"] for r in known_rows(db, "institutions", position_at(db, None),
                                            f"urn IN ({in_list(sorted(urns))}) AND area <> ?", (*sorted(urns), area))}
    for line, row in enumerate(rows, start=2):
        if row.get("hub_id") and row["hub_id"] != hub_id:
            return f"line {line}: hub_id {row['hub_id']!r} is not your hub ({hub_id})."
        if row.get("area") and row["area"] != area:
            return f"line {line}: area {row['area']!r} is not your hub's area ({area})."
        if kind == "funding" and row.get("stream") != "institutional":
            continue
        if urn_column and row.get(urn_column) in foreign:
            return f"line {line}: institution {row[urn_column]} is outside your hub's area ({area})."
    return None


@bp.post("/")
@requires("upload")
def import_upload() -> Any:
    kind, reason, upload_file = text_arg("kind", "form"), text_arg("reason", "form"), request.files.get("file")
    if kind not in SCHEMAS:
        return render(422, problem="Choose what kind of data the file holds.")
    if upload_file is None or not upload_file.filename:
        return render(422, kind=kind, problem="Choose a CSV file to upload.")
    name = Path(upload_file.filename.replace("\\", "/")).name
    data = upload_file.read()
    refusal = out_of_scope(kind, data)
    if refusal:
        return render(403, kind=kind, problem=f"{name}: {refusal} Nothing was recorded.")
    try:
        summary = hub_service().import_file(kind, Path(name), actor(), reason, data=data)
    except ImportRejected as error:
        return render(422, kind=kind, rejected=error, filename=name)
    return render(kind=kind, summary=summary, filename=name)
