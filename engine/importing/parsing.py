"""Read an import file into typed rows, rejecting it whole at the first problem found."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.calendar import check_academic_year
from config.values import parse_day
from engine.errors import ImportRejected
from engine.kinds import Column, Kind

LARGEST = 10**12  # beyond any count or amount a hub records; keeps every number within a 64-bit column
INTEGER = re.compile(r"[+-]?[0-9]+")  # [0-9], not \d: no other scripts' digits
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
LONGEST_CELL = 500  # characters; an indexed PostgreSQL text value must stay under 2,704 bytes
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]


def decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected(
            str(path),
            line,
            None,
            f"not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as 'CSV UTF-8' and import it again",
        ) from None


def parse_cell(column: Column, text: str) -> Any:
    """The typed value of one non-empty cell; ValueError says why it is wrong."""
    kind = column.type
    if column.choices and text not in column.choices:
        raise ValueError(f"{text!r} is not one of {', '.join(column.choices)}")
    if kind == "text":
        return text
    if kind == "date":
        return parse_day(text)
    if kind == "academic_year":
        return check_academic_year(text)
    if kind == "bool":
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ValueError(f"{text!r} is not true or false")
    if kind == "list":
        return [item.strip() for item in text.split(";") if item.strip()]
    if kind == "int_list":
        return [_number(column, item.strip(), int) for item in text.split(";") if item.strip()]
    if kind == "percent":
        value = _number(column, text, int)
        if not 0 <= value <= 100:
            raise ValueError(f"{value} is outside 0–100")
        return value
    return _number(column, text, int if kind == "int" else float)


def _number(column: Column, text: str, number_type: type) -> Any:
    try:
        if not (INTEGER if number_type is int else DECIMAL).fullmatch(text):
            raise ValueError  # Python also reads '1_000', 'inf' and '0x1F'; a spreadsheet number is plainer
        value = number_type(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {'a whole number' if number_type is int else 'a number'}") from None
    if number_type is float and not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if abs(value) > LARGEST:
        raise ValueError(f"{text} is too large (at most {LARGEST:,})")
    if column.minimum is not None and value < column.minimum:
        raise ValueError(f"{text} is below the minimum {column.minimum:g}")
    if column.maximum is not None and value > column.maximum:
        raise ValueError(f"{text} is above the maximum {column.maximum:g}")
    return value


def check_header(path: Path, schema: Kind, header: list[str]) -> list[str]:
    names = [h.strip() for h in header]
    unknown = [n for n in names if n not in schema.column_names]
    if unknown:
        raise ImportRejected(
            str(path),
            1,
            unknown[0],
            f"unknown column {unknown[0]!r} for {schema.kind} (expected some of: {', '.join(schema.column_names)})",
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ImportRejected(str(path), 1, repeated[0], f"column {repeated[0]!r} appears twice")
    missing = [c.name for c in schema.columns if c.required and c.name not in names]
    if missing:
        raise ImportRejected(str(path), 1, missing[0], f"missing required column {missing[0]!r}")
    return names


def parse_row(path: Path, schema: Kind, names: list[str], cells: list[str], line: int) -> Row:
    if len(cells) != len(names):
        raise ImportRejected(str(path), line, None, f"has {len(cells)} cells but the header has {len(names)}")
    given = dict(zip(names, (c.strip() for c in cells), strict=True))
    values: dict[str, Any] = {}
    for column in schema.columns:
        text = given.get(column.name, "")
        if "\x00" in text:
            raise ImportRejected(str(path), line, column.name, "contains a NUL character (is this a binary file?)")
        if len(text) > LONGEST_CELL:
            raise ImportRejected(str(path), line, column.name, f"is {len(text):,} characters long (at most {LONGEST_CELL})")
        if not text:
            if column.required:
                raise ImportRejected(str(path), line, column.name, "is required but empty")
            values[column.name] = column.default
            continue
        try:
            values[column.name] = parse_cell(column, text)
        except ValueError as error:
            raise ImportRejected(str(path), line, column.name, str(error)) from None
    for start, end in schema.ordered_dates:
        if values[start] and values[end] and values[end] < values[start]:
            raise ImportRejected(str(path), line, end, f"{values[end]} is before {start} {values[start]}")
    return Row(line, values)


def read_rows(path: Path, schema: Kind, data: bytes) -> list[Row]:
    """Typed rows of a CSV file (DATA.md §2); ImportRejected names file, line and column."""
    text = decode(path, data)
    if not text.strip():
        raise ImportRejected(str(path), None, None, "the file is empty (expected a header row)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        names = check_header(path, schema, next(reader))
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(parse_row(path, schema, names, cells, line))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRejected(str(path), reader.line_num, None, f"malformed CSV: {error}") from None
    if not rows:
        raise ImportRejected(str(path), None, None, "the file has a header but no rows")
    return rows
