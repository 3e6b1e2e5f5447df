"""One formula-safe cell function for every CSV careerhub writes: text that a spreadsheet would run gets an
apostrophe, numbers stay numbers; the web's downloads and the service's exports write the same cells."""

from __future__ import annotations

import csv
import io

import pytest

from service.export import csv_text, formula_safe
from web import exports


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Poole", "Poole"),
        (None, ""),
        (-2.5, "-2.5"),
        (-3, "-3"),
        (0.25, "0.25"),
        (True, "True"),
    ],
)
def test_text_that_would_run_is_neutralised_and_numbers_stay_numbers(cell, shown):
    assert formula_safe(cell) == shown


def test_the_web_and_the_service_write_the_same_cells():
    assert exports.formula_safe is formula_safe
    row = ["=1+1", -0.33, None, "@x", "Poole"]
    from_web = next(csv.reader(io.StringIO("".join(exports.csv_lines([row])))))
    from_service = next(csv.reader(io.StringIO(csv_text([dict(enumerate(row))], list(range(len(row)))).splitlines()[1])))
    assert from_web == from_service == ["'=1+1", "-0.33", "", "'@x", "Poole"]
