"""The board's charts as PNG images for documents (the Word paper), drawn with matplotlib from the
same chart.js specifications the pages draw (web/board_charts.py), so each chart is declared once."""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to memory only

import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)

WIDTH_INCHES, HEIGHT_INCHES, DPI = 6.5, 3.0, 150


def png(spec: dict[str, Any], title: str) -> bytes:
    """A line or bar chart.js specification as a PNG."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    try:
        labels = spec["data"]["labels"]
        draw = draw_bars if spec["type"] == "bar" else draw_lines
        draw(axes, labels, spec["data"]["datasets"])
        y_axis = spec.get("options", {}).get("scales", {}).get("y", {})
        axes.set_ylim(y_axis.get("min"), y_axis.get("max"))
        axes.set_ylabel(y_axis.get("title", {}).get("text", ""))
        axes.set_title(title, fontsize=10)
        axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
        axes.legend(fontsize=7)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)


def values(data: list[Any]) -> list[float]:
    return [math.nan if v is None else v for v in data]  # a gap, as chart.js draws a missing point


def draw_lines(axes: Any, labels: list[str], datasets: list[dict[str, Any]]) -> None:
    for d in datasets:
        axes.plot(
            range(len(labels)),
            values(d["data"]),
            label=d["label"],
            color=d.get("borderColor"),
            linestyle="--" if d.get("borderDash") else "-",
            linewidth=d.get("borderWidth", 2),
            marker="o",
            markersize=3,
        )


def draw_bars(axes: Any, labels: list[str], datasets: list[dict[str, Any]]) -> None:
    width = 0.8 / max(len(datasets), 1)
    for i, d in enumerate(datasets):
        offset = (i - (len(datasets) - 1) / 2) * width
        axes.bar(
            [x + offset for x in range(len(labels))], values(d["data"]), width, label=d["label"], color=d.get("backgroundColor")
        )
