"""Plain-text board tables a hub lead can paste into a paper."""

from __future__ import annotations

from datetime import date
from typing import Any

from config.calendar import academic_year_of
from projections.figures import FIGURES
from projections.report import HEADLINE_FIGURES


def number(value: Any, percent: bool = False) -> str:
    if value is None:
        return "no data"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    return text + (" %" if percent else "")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), "-+-".join("-" * w for w in widths), *map(line, rows)])


def board_text(b: dict[str, Any]) -> str:
    r = b["report"]
    term = r["term"]
    year = academic_year_of(date.fromisoformat(r["as_of"]))  # the year whose targets the report shows
    avg = b["average_benchmarks"]
    parts = [
        f"{r['hub_id']} hub report as of {r['as_of']} ({term['name']} term {year})"
        + (f", as known at {r['known_at']}" if r["known_at"] else "")
        + (f", cluster {r['cluster']}" if r["cluster"] else ""),
        "",
        FIGURES["average_benchmarks"].label,
        table(
            [
                "National",
                f"Hub end of last academic year ({b['last_year_end']}, today's {b['members']} members)",
                f"Target {year}",
                f"Hub as of {r['as_of']}",
            ],
            [[number(avg["national"]), number(avg["hub_last_year_end"]), number(avg["target"]), number(avg["hub_now"])]],
        ),
        "",
        "Benchmarks 5 (encounters with employers) and 6 (experiences of workplaces): % of institutions fully achieving",
        table(
            ["Benchmark", f"Target {year}", f"Hub as of {r['as_of']}"],
            [[str(row["benchmark"]), number(row["target"], True), number(row["hub_now"], True)] for row in b["benchmarks_5_6"]],
        ),
        "",
        f"Enterprise Adviser Network: {b['ean']['engaged']} engaged, {b['ean']['matched']} matched",
        f"Institutional funding: {b['funding']['institutional_applicants']}/{b['members']} hub institutions have applied"
        f" ({b['funding']['applications']} applications, {b['funding']['approved']} approved,"
        f" £{b['funding']['amount_awarded']:,.0f} awarded)",
        "",
        f"{FIGURES['data_required'].label} from {b['data_required']} hub schools; data includes results from most"
        " recent assessment.",
    ]
    return "\n".join(parts)


def series_text(s: dict[str, Any]) -> str:
    headers = [
        "Year",
        "Term",
        "Ends",
        "Members",
        "Assessed",
        "Avg BMs",
        "Target",
        "National",
        "BM5 %",
        "Target",
        "BM6 %",
        "Target",
    ]
    rows = [
        [
            t["academic_year"],
            t["term"],
            t["term_ends_on"],
            str(t["institutions"]),
            str(t["assessed"]),
            number(t["average_benchmarks"]),
            number(t["target_average_benchmarks"]),
            number(t["national_average_benchmarks"]),
            number(t["bm5_percent"]),
            number(t["target_bm5_percent"]),
            number(t["bm6_percent"]),
            number(t["target_bm6_percent"]),
        ]
        for t in s["terms"]
    ]
    f = s["forecast"]
    p, t = f["predicted"], f["targets"]
    lines = [
        f"{s['hub_id']}: figures at each term end",
        table(headers, rows),
        "",
        f"Forecast for 31 August, end of {f['academic_year']} (made with data as of {f['made_on']}):",
        f"  average benchmarks {number(p['average_benchmarks'])} (target {number(t['average_benchmarks'])}),"
        f" BM5 {number(p['bm5_percent'], True)} (target {number(t['bm5_percent'], True)}),"
        f" BM6 {number(p['bm6_percent'], True)} (target {number(t['bm6_percent'], True)})",
        f"  Method: {f['method']}",
    ]
    if f["backtest"]:
        lines.append("  Backtest (the same forecast made at the same point of earlier years):")
        for bt in f["backtest"]:
            e = bt["error"]
            lines.append(
                f"    {bt['academic_year']}: predicted {number(bt['predicted']['average_benchmarks'])}, actual "
                f"{number(bt['actual']['average_benchmarks'])} (error {e['average_benchmarks']:+.2f};"
                f" BM5 {e['bm5_percent']:+.1f} pts, BM6 {e['bm6_percent']:+.1f} pts)"
            )
        mae = f["backtest_mean_absolute_error"]
        lines.append(
            f"  Mean absolute error: {mae['average_benchmarks']:.2f} benchmarks, BM5 {mae['bm5_percent']:.1f} pts,"
            f" BM6 {mae['bm6_percent']:.1f} pts"
        )
    else:
        lines.append("  Backtest: no earlier academic year with data to test against.")
    return "\n".join(lines)


def compare_text(c: dict[str, Any]) -> str:
    lines = [f"{c['hub_id']} as of {c['as_of']}: as known at {c['known_at']} vs as known at {c['compare_known_at'] or 'now'}"]
    if not c["figures"] and not c["institutions"]:
        return lines[0] + "\nNo difference."
    lines += [
        "",
        table(["Figure", "Then", "Now"], [[k, number(v["then"]), number(v["now"])] for k, v in c["figures"].items()])
        if c["figures"]
        else "No figure changed.",
    ]
    for inst in c["institutions"]:
        lines += ["", f"{inst['urn']} {inst['name']}"]
        lines += [f"  {ch['field']}: {ch['then']} -> {ch['now']}" for ch in inst["changes"]]
        lines += [
            f"  because of #{e['nid']} {e['kind']} {e['event']} {e['record_key']} recorded {e['recorded_at']}"
            f" by {e['actor']}" + (f" ({e['reason']})" if e["reason"] else "")
            for e in inst["events"]
        ]
    return "\n".join(lines)


def national_text(reports: list[Any], as_of: date) -> str:
    """Every hub's headline figures side by side, one row per hub (labels from the figure registry)."""
    rows = [
        [r.query.hub_id, *(number(r.figures[name], FIGURES[name].unit == "percent") for name in HEADLINE_FIGURES)]
        for r in reports
    ]
    if not rows:
        return f"No hub is known as of {as_of.isoformat()}."
    return f"Every hub as of {as_of.isoformat()}\n" + table(["Hub", *(FIGURES[name].label for name in HEADLINE_FIGURES)], rows)
