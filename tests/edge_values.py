"""Values at the edges of what a day, a moment, a number or an academic year can be, found by probing
careerhub from outside (issue 14 item 5): every fuzzing strategy of queries and options draws from them
as well as from random text."""

from __future__ import annotations

from hypothesis import strategies as st

# Python's first and last days; the days just outside and just inside the range careerhub handles.
EDGE_DAYS = ("0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01", "1900-01-01", "2999-12-31")
# Offsets that carry a valid local time outside the datetime range once converted to UTC; a year that
# formats with fewer than four digits.
EDGE_MOMENTS = (
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "0999-12-31T23:59:59Z",
    "2999-12-31T23:59:59-05:00",
)
# Unicode digits (str.isdigit accepts '²'; int() reads Arabic-Indic digits), numbers beyond a 64-bit
# database integer, and the negative number SQLite reads as "no limit" and PostgreSQL refuses.
EDGE_NUMBERS = ("²", "١٢", "１２", "99999999999999999999999", str(2**63), str(2**63 - 1), "-1", "0", "1" * 400)
EDGE_YEARS = ("0000/01", "9999/00", "٢٠١٩/٢٠", "1899/00", "2999/00")
EDGE_VALUES = (*EDGE_DAYS, *EDGE_MOMENTS, *EDGE_NUMBERS, *EDGE_YEARS)

edge_values = st.sampled_from(EDGE_VALUES)
