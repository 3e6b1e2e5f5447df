"""`careerhub board`: the board paper on a day, its two blocks each at its own date."""

from __future__ import annotations

from typing import Any

import click

from cli.common import DAY, KNOWN_AT, echo_json, with_service
from cli.text import number, table
from projections.figures import FIGURES
from projections.paper import BoardPaper, board_paper
from service.hub import HubService


def term_end_text(p: BoardPaper) -> list[str]:
    r, t = p.term_end, p.term
    end, year = t.ends_on.isoformat(), t.academic_year
    members = r.figures["institutions"]
    return [
        f"End of {t.name} term {year} ({end})",
        "",
        FIGURES["average_benchmarks"].label,
        table(
            [
                "National",
                f"Hub end of last academic year ({p.last_year_end.isoformat()}, the {members} members of {end})",
                f"Target {year}",
                f"Hub end of {t.name} term ({end})",
            ],
            [
                [
                    number(r.national.get("average_benchmarks")),
                    number(p.hub_last_year_end),
                    number(r.targets.get("average_benchmarks")),
                    number(r.figures["average_benchmarks"]),
                ]
            ],
        ),
        "",
        table(
            ["Benchmark: % of assessed members fully achieving", f"Target {year}", f"Hub {end}"],
            [
                [
                    FIGURES[f"bm{b}_percent"].label,
                    number(r.targets.get(f"bm{b}_percent"), True),
                    number(r.figures[f"bm{b}_percent"], True),
                ]
                for b in (5, 6)
            ],
        ),
        "",
        f"{FIGURES['data_required'].label} from {r.figures['data_required']} hub schools at {end};"
        " data includes results from most recent assessment.",
    ]


def on_day_text(p: BoardPaper) -> list[str]:
    f, on = p.on_day.figures, p.on.isoformat()
    focus = ", ".join(f"{name} {count}" for name, count in p.funding_focus.items()) or "none recorded"
    return [
        f"On {on}",
        "",
        f"Enterprise Adviser Network ({p.area}): {f['engaged']} engaged, {f['matched']} matched",
        f"Institutional funding: {f['institutional_applicants']}/{f['institutions']} hub institutions have applied"
        f" ({f['applications']} applications, {f['approved']} approved, £{f['amount_awarded']:,.0f} awarded)",
        f"What the applications are for: {focus}",
        "Members per cluster: " + (", ".join(f"{c} {n}" for c, n in p.members_per_cluster.items()) or "none"),
    ]


def paper_text(p: BoardPaper) -> str:
    head = (
        f"{p.hub_id} board paper on {p.on.isoformat()}"
        + (f", as known at {p.known_at.isoformat()}" if p.known_at else "")
        + (f", cluster {p.cluster}" if p.cluster else "")
    )
    return "\n".join([head, "", *term_end_text(p), "", *on_day_text(p)])


@click.command()
@click.option("--hub", "hub_id", required=True, help="Hub id, e.g. dorset.")
@click.option(
    "--on",
    "on",
    type=DAY,
    required=True,
    help="The paper's day: on-day figures as of it, term-end figures as of the last term end on or before it.",
)
@KNOWN_AT
@click.option("--cluster", default=None, help="Only this cluster's institutions.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_service
def board(service: HubService, hub_id: str, on: Any, known_at: Any, cluster: str | None, fmt: str) -> None:
    """The board paper: the last completed term's figures beside the day's (two dates, each stated)."""
    paper = board_paper(service.db, hub_id, on, known_at, cluster)
    if fmt == "json":
        echo_json(paper.to_json())
    else:
        click.echo(paper_text(paper))
