"""The board paper as a Word document (python-docx): the annex tables a hub lead pastes into a paper."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.shared import Inches

from engine.kinds import BENCHMARKS
from projections.figures import FIGURES
from projections.paper import BoardPaper
from web.chart_images import png
from web.formatting import long_date, money, number, percent

CHARTS_IN_PAPER = (
    ("average", FIGURES["average_benchmarks"].label),
    ("bm5_percent", FIGURES["bm5_percent"].label),
    ("bm6_percent", FIGURES["bm6_percent"].label),
    ("clusters", "Clusters side by side at the term end"),
)


def add_table(document: Any, caption: str, header: list[str], rows: list[list[str]]) -> None:
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def term_end_section(document: Any, p: BoardPaper) -> None:
    t, r = p.term, p.term_end
    end = long_date(t.ends_on)
    document.add_heading(f"End of {t.name} term {t.academic_year} (as of {end})", level=1)
    add_table(
        document,
        FIGURES["average_benchmarks"].label,
        [
            "National",
            f"Hub at end of last academic year ({long_date(p.last_year_end)})",
            f"Target {t.academic_year}",
            f"Hub at end of {t.name} term ({end})",
        ],
        [
            [
                number(r.national.get("average_benchmarks")),
                number(p.hub_last_year_end),
                number(r.targets.get("average_benchmarks")),
                number(r.figures["average_benchmarks"]),
            ]
        ],
    )
    add_table(
        document,
        "Benchmarks 5 and 6: % of assessed members fully achieving, against target",
        ["Benchmark", f"Target {t.academic_year}", f"Hub at end of {t.name} term"],
        [
            [FIGURES[f"bm{b}_percent"].label, percent(r.targets.get(f"bm{b}_percent")), percent(r.figures[f"bm{b}_percent"])]
            for b in (5, 6)
        ],
    )
    document.add_paragraph(
        f"{FIGURES['data_required'].label} from {r.figures['data_required']} hub schools at {end};"
        " data includes results from most recent assessment."
    )
    add_table(
        document,
        f"All eight benchmarks at the end of {t.name} term: % of assessed members fully achieving",
        ["Benchmark", "National", f"Target {t.academic_year}", "Hub"],
        [
            [
                FIGURES[f"bm{b}_percent"].label,
                percent(r.national.get(f"bm{b}_percent")),
                percent(r.targets.get(f"bm{b}_percent")),
                percent(r.figures[f"bm{b}_percent"]),
            ]
            for b in BENCHMARKS
        ],
    )


def on_day_section(document: Any, p: BoardPaper) -> None:
    f = p.on_day.figures
    document.add_heading(f"On {long_date(p.on)}", level=1)
    add_table(
        document,
        f"Enterprise Adviser Network ({p.area})",
        [FIGURES[n].label for n in ("engaged", "matched")],
        [[number(f["engaged"]), number(f["matched"])]],
    )
    add_table(
        document,
        "Hub funding",
        [FIGURES[n].label for n in ("institutional_applicants", "applications", "approved", "amount_awarded")],
        [
            [
                f"{f['institutional_applicants']} of {f['institutions']}",
                number(f["applications"]),
                number(f["approved"]),
                money(f["amount_awarded"]),
            ]
        ],
    )
    if p.funding_focus:
        add_table(
            document,
            "What the institutional applications are for",
            ["Focus", "Applications"],
            [[k, str(v)] for k, v in p.funding_focus.items()],
        )
    add_table(document, "Members per cluster", ["Cluster", "Members"], [[k, str(v)] for k, v in p.members_per_cluster.items()])


def measured_figure(f: dict[str, Any] | None) -> str:
    """A measured-coverage figure as the board's block shows it (web/templates/board/_measured.html)."""
    if f is None:
        return "not measured"
    if f["suppressed"]:
        return f"{f['learners']} learners" if str(f["learners"]).startswith("<") else "withheld"
    return f"{f['percent']:.0f} % ({f['reached']} of {f['learners']})" if f["learners"] else "no learners"


def measured_section(document: Any, m: dict[str, Any], on: str) -> None:
    """Benchmarks 5 and 6 self-assessed beside learner records (web/board.py: measured_block), when there are any."""
    if not m["rows"]:
        return
    document.add_heading(f"Measured coverage on {on} ({m['academic_year']})", level=1)
    document.add_paragraph(
        "Of each year group on roll, the share with the encounters the benchmark asks for, beside"
        " the school's latest self-assessment; a gap is a self-assessed 100 % with some learner"
        f" not reached. No figure from fewer than {m['minimum']} learners."
    )
    header = ["School", "Year"] + [
        f"BM{b} {what}" for b in m["benchmarks"] for what in ("self-assessed", "measured", "disadvantaged")
    ]
    rows = []
    for row in m["rows"]:
        cells = [row["name"], str(row["year_group"])]
        for b in m["benchmarks"]:
            r = row["by"].get(b)
            claimed = "" if r is None else "none" if r["self_assessed_percent"] is None else f"{r['self_assessed_percent']} %"
            cells += [
                claimed,
                measured_figure(r) + (" gap" if r and r["gap"] else ""),
                measured_figure(r["disadvantaged"] if r else None),
            ]
        rows.append(cells)
    total = ["All schools", "all"]
    for b in m["benchmarks"]:
        t = m["totals"].get(b)
        total += ["", measured_figure(t), measured_figure(t["disadvantaged"] if t else None)]
    add_table(document, "Benchmarks 5 and 6: self-assessed, and measured from learner records", header, [*rows, total])
    for r in m["gaps"]:
        document.add_paragraph(f"{r['name'] or r['urn']}: {r['message']}", style="List Bullet")


def charts_section(document: Any, charts: dict[str, dict[str, Any]]) -> None:
    """The trends at each term end as images (a Word reader cannot run the page's charts)."""
    document.add_heading("Trends at each term end", level=1)
    for name, title in CHARTS_IN_PAPER:
        if name in charts:
            document.add_picture(io.BytesIO(png(charts[name], title)), width=Inches(6.5))


def paper_document(
    p: BoardPaper, hub_name: str, charts: dict[str, dict[str, Any]], measured: dict[str, Any] | None = None
) -> bytes:
    """The .docx bytes of the paper: each block under a heading that states its date."""
    document = Document()
    document.add_heading(f"{hub_name}: board paper, {long_date(p.on)}", level=0)
    known = f", as known at {p.known_at.isoformat()}" if p.known_at else ""
    document.add_paragraph(
        f"Figures from careerhub{known}{f', cluster {p.cluster}' if p.cluster else ''}."
        f" The first block is the last term that ended on or before {long_date(p.on)};"
        " the second is the day itself."
    )
    term_end_section(document, p)
    on_day_section(document, p)
    if measured:
        measured_section(document, measured, long_date(p.on))
    charts_section(document, charts)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
