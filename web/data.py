"""Uploading the CSV files of DATA.md §2: the same import as the command line (whole file or
nothing, re-imports record nothing, errors name the line), recorded as the signed-in user."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, g, request

from engine.errors import ImportRejected, OutOfScope
from engine.kinds import KINDS
from web.access import actor, hub_service, requires
from web.forms import text_arg
from web.htmx import page_or_fragment

bp = Blueprint("data", __name__, url_prefix="/data")


def render(status: int = 200, **result: Any) -> Any:
    kinds = [k for k, schema in KINDS.items() if g.user.hub_id is None or not schema.hub_wide]
    return page_or_fragment("data/upload.html", "data/_result.html", kinds=kinds, schemas=KINDS,
                            kind=result.pop("kind", None), **result), status


@bp.get("/")
@requires("upload")
def upload() -> Any:
    return render()


@bp.post("/")
@requires("upload")
def import_upload() -> Any:
    kind, reason, upload_file = text_arg("kind", "form"), text_arg("reason", "form"), request.files.get("file")
    if kind not in KINDS:
        return render(422, problem="Choose what kind of data the file holds.")
    if upload_file is None or not upload_file.filename:
        return render(422, kind=kind, problem="Choose a CSV file to upload.")
    name = Path(upload_file.filename.replace("\\", "/")).name
    try:
        summary = hub_service().import_file(kind, Path(name), actor(), reason, data=upload_file.read(),
                                            hub_id=g.user.hub_id)
    except ImportRejected as error:
        return render(403 if isinstance(error, OutOfScope) else 422, kind=kind, rejected=error, filename=name)
    return render(kind=kind, summary=summary, filename=name)
