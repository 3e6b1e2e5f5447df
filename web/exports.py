"""Downloads: CSV whose cells cannot run as spreadsheet formulas, and JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

from service.export import formula_safe


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([formula_safe(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def download(chunks: Iterator[str], filename: str, mimetype: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(rows: Iterable[Sequence[Any]], filename: str) -> Response:
    return download(csv_lines(rows), filename, "text/csv")


def jsonl_download(rows: Iterable[dict[str, Any]], filename: str) -> Response:
    return download((json.dumps(row, default=str) + "\n" for row in rows), filename, "application/jsonl")
