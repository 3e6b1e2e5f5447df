"""chart.js configurations of the board paper's trends (plain data: app.js draws them from data attributes)."""

from __future__ import annotations

from typing import Any

from engine.kinds import BENCHMARKS

HUB, TARGET, NATIONAL = "#1f4e9c", "#8a3b00", "#3d3d3d"


def line(labels: list[str], hub: list[Any], target: list[Any], national: list[Any], y_max: float, title: str) -> dict[str, Any]:
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {"label": "Hub", "data": hub, "borderColor": HUB, "backgroundColor": HUB, "borderWidth": 3},
                {
                    "label": "Target",
                    "data": target,
                    "borderColor": TARGET,
                    "backgroundColor": TARGET,
                    "borderDash": [8, 4],
                    "borderWidth": 2,
                },
                {
                    "label": "National",
                    "data": national,
                    "borderColor": NATIONAL,
                    "backgroundColor": NATIONAL,
                    "borderDash": [2, 3],
                    "borderWidth": 2,
                },
            ],
        },
        "options": {"scales": {"y": {"min": 0, "max": y_max, "title": {"display": True, "text": title}}}},
    }


def series_charts(series: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The average by term, and one chart per benchmark: hub, target and national at each term end."""
    labels = [f"{r['term']} {r['academic_year']}" for r in series]

    def pick(metric: str, part: str) -> list[Any]:
        return [r[part][metric] for r in series]

    charts = {
        "average": line(
            labels,
            pick("average_benchmarks", "figures"),
            pick("average_benchmarks", "targets"),
            pick("average_benchmarks", "national"),
            8,
            "Benchmarks fully achieved (mean)",
        )
    }
    for b in BENCHMARKS:
        m = f"bm{b}_percent"
        charts[m] = line(labels, pick(m, "figures"), pick(m, "targets"), pick(m, "national"), 100, "% fully achieving")
    return charts


def clusters_chart(side: list[dict[str, Any]]) -> dict[str, Any]:
    """Each cluster's average, BM5 and BM6 on the same day (two axes: a mean and percentages)."""
    return {
        "type": "bar",
        "data": {
            "labels": [c["cluster"] for c in side],
            "datasets": [
                {"label": "BM5 % fully achieving", "data": [c["figures"]["bm5_percent"] for c in side], "backgroundColor": HUB},
                {
                    "label": "BM6 % fully achieving",
                    "data": [c["figures"]["bm6_percent"] for c in side],
                    "backgroundColor": TARGET,
                },
            ],
        },
        "options": {"scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of assessed members"}}}},
    }
