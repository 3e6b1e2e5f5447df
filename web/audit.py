"""The auditor's views, all read-only: the report as known at any moment (and what changed between
two moments), the event log with filters, infinite scroll and exports, and one institution's history."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, url_for
from htmx_flask import request

from engine.kinds import KINDS
from projections.audit import LogFilter, describe, institution_history, list_log, readable_by_hub
from projections.compare import compare_known_at
from projections.queries import position_at
from projections.report import Query
from projections.transactions import TransactionSearch, list_transactions, search_transactions, transaction_at
from service.export import export_comparison
from web.access import check_hub, hub_service, now, requires, visible_hubs
from web.data import mark_retractable
from web.exports import csv_download, jsonl_download
from web.forms import InvalidField, day_arg, moment_arg, moment_value, text_arg, whole_number_arg
from web.htmx import page_or_fragment

bp = Blueprint("audit", __name__, url_prefix="/audit")

LOG_KINDS = (*KINDS, "MatchRun", "User")
SECRET_FIELDS = ("password_hash",)
EXPORT_BATCH = 1000
POINTS_SHOWN = 50  # the most recent matching knowledge points; a search narrows them
LOG_EXPORT_COLUMNS = (
    "nid",
    "recorded_at",
    "actor",
    "kind",
    "event",
    "record_key",
    "urn",
    "valid_on",
    "reason",
    "source",
    "what",
    "payload",
)


# --- time travel ---------------------------------------------------------------------------------


@bp.get("/")
@requires("audit")
def index() -> Any:
    """The report as of a day as known after a transaction (or at a moment); with a second point, what
    changed between them. The knowledge points are picked from the log's transactions, searched below."""
    hubs = visible_hubs()
    hub_id = text_arg("hub") or (hubs[0]["hub_id"] if hubs else None)
    as_of = day_arg("as_of", now().date(), "As of")
    known_at, compare_at = moment_arg("known_at", "Known after"), moment_arg("compare_known_at", "Compare with")
    search = TransactionSearch(text_arg("q"), text_arg("by"), day_arg("on", None, "Recorded on"))
    result = None
    if hub_id:
        check_hub(hub_id)
    if "as_of" in request.args and hub_id:
        if hub_id not in {h["hub_id"] for h in hubs}:
            abort(404, description=f"No hub {hub_id!r} is known.")
        result = time_travel(hub_id, as_of, known_at, compare_at)
    state = {
        k: v
        for k, v in {
            "hub": hub_id,
            "as_of": as_of.isoformat(),
            "known_at": moment_value(known_at),
            "compare_known_at": moment_value(compare_at),
        }.items()
        if v
    }
    points, more = knowledge_points(search)

    def link(**changes: Any) -> str:
        """The page with this state, some of it changed (None removes a field), scrolled to the result."""
        return url_for(".index", **{**state, **changes}, _anchor="timetravel-result")

    context = dict(
        link=link,
        hubs=hubs,
        hub_id=hub_id,
        as_of=as_of,
        known_at=moment_value(known_at),
        compare_at=moment_value(compare_at),
        result=result,
        state=state,
        points=points,
        more=more,
        search=search,
        labels={"known_at": point_label(known_at), "compare_known_at": point_label(compare_at)},
    )
    context["focus"] = "points" if request.args.get("show") == "points" else "report" if result else None
    fragment = "audit/_workspace.html" if request.htmx.target == "audit-workspace" else "audit/_timetravel.html"
    return page_or_fragment("audit/index.html", fragment, **context)


def user_scope() -> Callable[[dict[str, Any]], bool] | None:
    return hub_scope(g.user.hub_id) if g.user.hub_id else None


def knowledge_points(search: TransactionSearch) -> tuple[list[Any], int]:
    """The most recent transactions matching the search (newest first), and how many more match."""
    service = hub_service()
    found = search_transactions(list_transactions(service.db, user_scope()), search)
    return found[::-1][:POINTS_SHOWN], max(0, len(found) - POINTS_SHOWN)


def point_label(point: Any) -> str | None:
    """What a person reads for a knowledge point: the transaction it falls after."""
    if point is None:
        return None
    db = hub_service().db
    n = position_at(db, point)
    found = transaction_at(db, n, user_scope()) if n else None
    if n == 0:
        return "before anything was recorded"
    if found is None:
        return f"log position {n}"
    where = "after" if found.position == n else f"part way through (event {n} of {found.first_position}–{found.position})"
    return f"{where} {found.label()}"


def time_travel(hub_id: str, as_of: Any, known_at: Any, compare_at: Any) -> dict[str, Any]:
    service = hub_service()
    if compare_at is None:
        report = service.report(Query(hub_id, as_of, known_at))
        return {"mode": "single", "report": report.to_json(), "figures": report.figures}
    if known_at is None:
        raise InvalidField("known_at", "To compare, give the first point (“Known after”) as well as the second.")
    diff = compare_known_at(service.db, Query(hub_id, as_of), known_at, compare_at)
    return {"mode": "compare", "diff": diff, "rows": diff["all_figures"]}


@bp.get("/compare.zip")
@requires("audit")
def compare_zip() -> Any:
    """The comparison of two knowledge points as a bundle: JSON, formula-safe CSVs and a manifest with
    the query, each point's log position and chain digest, and the store's verified head."""
    hub_id = text_arg("hub")
    as_of = day_arg("as_of", None, "As of")
    known_at, compare_at = moment_arg("known_at", "Known after"), moment_arg("compare_known_at", "Compare with")
    if not (hub_id and as_of and known_at and compare_at):
        abort(422, description="To download a comparison, choose the hub, the day and both points.")
    check_hub(hub_id)
    files, manifest = export_comparison(hub_service(), Query(hub_id, as_of), known_at, compare_at)
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    name = (
        f"careerhub-{hub_id}-{as_of.isoformat()}-compare-{manifest['knowledge_points'][0]['log_position']}"
        f"-{manifest['knowledge_points'][1]['log_position']}.zip"
    )
    return Response(
        buffer.getvalue(), mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- the event log -------------------------------------------------------------------------------


def hub_scope(hub_id: str) -> Callable[[dict[str, Any]], bool]:
    return readable_by_hub(hub_service().db, hub_id)


def log_filter() -> LogFilter:
    kind = text_arg("kind")
    if kind and kind not in LOG_KINDS:
        raise InvalidField("kind", f"Kind: {kind!r} is not one of {', '.join(LOG_KINDS)}.")
    return LogFilter(
        kind=kind,
        urn=text_arg("urn"),
        actor=text_arg("actor"),
        since=moment_arg("since", "Since"),
        until=moment_arg("until", "Until"),
        after=whole_number_arg("after", 0, "After"),
    )


def redacted(row: dict[str, Any]) -> dict[str, Any]:
    """A log row as shown or exported: secrets removed, and a one-line description."""
    payload = {k: ("[redacted]" if k in SECRET_FIELDS else v) for k, v in row["payload"].items()}
    shown = {**row, "payload": payload}
    return {**shown, "what": describe(shown)}


def log_page(f: LogFilter, size: int) -> tuple[list[dict[str, Any]], int | None]:
    """Up to `size` readable rows after f.after, and the position to continue from (None at the end)."""
    service = hub_service()
    readable = hub_scope(g.user.hub_id) if g.user.hub_id else None
    rows, after = [], f.after
    while True:
        batch = list_log(service.db, replace(f, after=after, limit=size))
        for row in batch:
            after = row["nid"]
            if readable is None or readable(row):
                rows.append(redacted(row))
                if len(rows) == size:
                    return rows, after
        if len(batch) < size:
            return rows, None


def filter_args(f: LogFilter) -> dict[str, Any]:
    args = {"kind": f.kind, "urn": f.urn, "actor": f.actor, "since": moment_value(f.since), "until": moment_value(f.until)}
    return {k: v for k, v in args.items() if v}


@bp.get("/log")
@requires("audit")
def log() -> Any:
    """The event log; htmx asks for the next page when its last row scrolls into view."""
    f = log_filter()
    rows, next_after = log_page(f, int(current_app.config["LOG_PAGE_SIZE"]))
    args = filter_args(f)
    fragment = "audit/_log_rows.html" if request.htmx.target == "log-more" else "audit/_log_results.html"
    return page_or_fragment(
        "audit/log.html",
        fragment,
        rows=rows,
        filters=args,
        kinds=LOG_KINDS,
        after=f.after,
        next_url=url_for(".log", **args, after=next_after) if next_after is not None else None,
    )


def all_rows(f: LogFilter) -> Iterator[dict[str, Any]]:
    after: int | None = f.after
    while after is not None:
        rows, after = log_page(replace(f, after=after), EXPORT_BATCH)
        yield from rows


@bp.get("/log.csv")
@requires("audit")
def log_csv() -> Any:
    rows = (
        [r.get(c) if c != "payload" else json.dumps(r["payload"], default=str) for c in LOG_EXPORT_COLUMNS]
        for r in all_rows(log_filter())
    )
    return csv_download(chain([LOG_EXPORT_COLUMNS], rows), "careerhub-log.csv")


@bp.get("/log.jsonl")
@requires("audit")
def log_jsonl() -> Any:
    return jsonl_download(all_rows(log_filter()), "careerhub-log.jsonl")


# --- one institution -----------------------------------------------------------------------------


@bp.get("/institutions/<urn>")
@requires("audit")
def history(urn: str) -> Any:
    """Every event that touched one institution: corrections and retractions included."""
    service = hub_service()
    if g.user.hub_id and not hub_scope(g.user.hub_id)({"urn": urn, "record_key": None, "kind": None}):
        abort(403, description=f"Institution {urn} has never been in hub {g.user.hub_id}.")
    rows = mark_retractable([redacted(r) for r in institution_history(service.db, urn)])
    if not rows:
        abort(404, description=f"Nothing has been recorded about institution {urn}.")
    names = [
        r["payload"]["values"]["name"] for r in rows if r["kind"] == "institutions" and r["payload"].get("values", {}).get("name")
    ]
    return page_or_fragment(
        "audit/history.html", "audit/_history_rows.html", urn=urn, name=names[-1] if names else None, rows=rows
    )
