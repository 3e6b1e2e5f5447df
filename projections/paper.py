"""The board paper: two dates on one page (DOMAIN.md, "The board paper"). The term-end block is the
report as of the end of the last term that ended on or before the day; the on-day block is the
report as of the day itself. Each block is exactly the DATA.md §3 report at its own date."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from config.calendar import Overrides, Term, academic_year_start, hub_terms_of_year
from config.values import KnownAt
from engine.sql import Database
from projections.board import last_year_end
from projections.queries import Known, as_known, get_hub, hub_calendar, known_rows, list_members, remembered
from projections.report import Query, Report, hub_report
from projections.tables import table_of

NO_CLUSTER = "(no cluster)"


def last_term_ended(day: date, calendar: Overrides | None = None) -> Term:
    """The last term (the hub's own dates where it set them) that ended on or before the day: a term
    ending on the day itself counts; a day in a holiday gives the term just ended."""
    year = academic_year_start(day)
    ended = [t for y in (year - 2, year - 1, year) for t in hub_terms_of_year(y, calendar or {}) if t.ends_on <= day]
    return max(ended, key=lambda t: t.ends_on)


@dataclass(frozen=True)
class BoardPaper:
    """The two blocks of a board paper, with what the annex shows beside them."""

    hub_id: str
    area: str  # the hub's EAN area
    on: date
    known_at: KnownAt | None
    cluster: str | None
    term: Term  # the last term that ended on or before `on`
    term_end: Report  # as of term.ends_on
    last_year_end: date  # the 31 August before the term's end
    hub_last_year_end: float | None  # average benchmarks then, for the members at the term's end
    on_day: Report  # as of `on`
    members_per_cluster: dict[str, int]  # hub members on the day
    funding_focus: dict[str, int]  # institutional applications by the day's members, per focus

    def to_json(self) -> dict[str, Any]:
        """`careerhub board --format json`: the two reports, each exactly DATA.md §3."""
        return {
            "hub_id": self.hub_id,
            "on": self.on.isoformat(),
            "known_at": self.known_at.isoformat() if self.known_at else None,
            "term_end": self.term_end.to_json(),
            "on_day": self.on_day.to_json(),
        }


def members_per_cluster(known: Known, hub_id: str, day: date, cluster: str | None) -> dict[str, int]:
    counts = Counter(m["cluster"] or NO_CLUSTER for m in list_members(known, hub_id, day, cluster))
    return dict(sorted(counts.items()))


def funding_focus(known: Known, hub_id: str, day: date, urns: list[str]) -> dict[str, int]:
    """How many institutional applications by these institutions, applied on or before the day, name each focus."""
    among, among_params = known.db.backend.one_of("applicant", urns)
    where = f"hub_id = ? AND stream = 'institutional' AND applied_on <= ? AND {among}"
    rows = known_rows(known, "funding", where, (hub_id, day.isoformat(), *among_params))
    counts = Counter(item.strip() for r in rows for item in (r["focus"] or "").split(";") if item.strip())
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def board_paper(db: Database, hub_id: str, on: date, known_at: KnownAt | None = None, cluster: str | None = None) -> BoardPaper:
    """The board paper on a day, as known at a moment."""
    known = as_known(db, known_at)
    term = last_term_ended(on, hub_calendar(known, hub_id))
    term_end = hub_report(db, Query(hub_id, term.ends_on, known_at, cluster))
    year_end = last_year_end(term.ends_on)
    then = hub_report(db, Query(hub_id, year_end, known_at, cluster, cohort_as_of=term.ends_on))
    on_day = hub_report(db, replace(term_end.query, as_of=on))
    members = [m["urn"] for m in list_members(known, hub_id, on, cluster)]
    return BoardPaper(
        hub_id,
        get_hub(known, hub_id)["area"],
        on,
        known_at,
        cluster,
        term,
        term_end,
        year_end,
        then.figures["average_benchmarks"],
        on_day,
        members_per_cluster(known, hub_id, on, cluster),
        funding_focus(known, hub_id, on, members),
    )


@remembered
def latest_data_day(known: Known, hub_id: str) -> date | None:
    """The newest valid date of anything recorded, by the known position, about the hub's institutions
    (ever members) or its funding: the last day the store knows something about. National figures are
    not the hub's data. Kept per (position, hub): every board opens on it, and it reads the hub's log."""
    day = known.db.scalar(
        f"SELECT MAX(valid_on) FROM rm_log WHERE urn IN (SELECT DISTINCT urn FROM {table_of('institutions')} WHERE hub_id = ?)"
        " AND nid <= ?",
        (hub_id, known.position),
    )
    return date.fromisoformat(str(day)[:10]) if day else None


def long_rows(paper: BoardPaper) -> list[tuple[str, str, str, Any]]:
    """The paper as one tidy long table: (figure, block, as_of, value), every figure of each block at its
    own date, the targets and national figures it is read against, and the annex's breakdowns."""
    rows: list[tuple[str, str, str, Any]] = []
    for block, report in (("term_end", paper.term_end), ("on_day", paper.on_day)):
        as_of = report.query.as_of.isoformat()
        rows += [(name, block, as_of, value) for name, value in report.figures.items()]
        rows += [(f"target.{metric}", block, as_of, value) for metric, value in report.targets.items()]
        rows += [(f"national.{metric}", block, as_of, value) for metric, value in report.national.items()]
    rows.append(("average_benchmarks", "last_year_end", paper.last_year_end.isoformat(), paper.hub_last_year_end))
    on = paper.on.isoformat()
    rows += [(f"members_per_cluster.{c}", "on_day", on, n) for c, n in paper.members_per_cluster.items()]
    rows += [(f"funding_focus.{f}", "on_day", on, n) for f, n in paper.funding_focus.items()]
    return rows
