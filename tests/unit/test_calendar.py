"""The school calendar: default terms, academic years, and a hub's own term dates."""

from __future__ import annotations

from datetime import date

import pytest

from config.calendar import academic_year_of, parse_academic_year, term_containing


@pytest.mark.parametrize(
    "day, term, year",
    [
        (date(2019, 8, 31), "summer", "2018/19"),
        (date(2019, 9, 1), "autumn", "2019/20"),
        (date(2019, 12, 31), "autumn", "2019/20"),
        (date(2020, 1, 1), "spring", "2019/20"),
        (date(2020, 3, 31), "spring", "2019/20"),
        (date(2020, 4, 1), "summer", "2019/20"),
    ],
)
def test_default_terms_tile_the_academic_year(day, term, year):
    found = term_containing(day)
    assert (found.name, found.academic_year) == (term, year)
    assert academic_year_of(day) == year


def test_a_hubs_own_dates_replace_the_default_and_a_holiday_belongs_to_the_term_just_ended():
    overrides = {
        ("2019/20", "spring"): (date(2020, 1, 6), date(2020, 4, 3)),
        ("2019/20", "summer"): (date(2020, 4, 20), date(2020, 7, 22)),
    }
    assert term_containing(date(2020, 1, 3), overrides).name == "autumn"
    assert term_containing(date(2020, 1, 6), overrides).starts_on == date(2020, 1, 6)
    assert term_containing(date(2020, 4, 10), overrides).name == "spring"
    assert term_containing(date(2020, 8, 20), overrides).name == "summer"


@pytest.mark.parametrize("label", ["2019", "2019/21", "19/20", "2019-20", "abcd/ef"])
def test_malformed_academic_years_are_rejected(label):
    with pytest.raises(ValueError):
        parse_academic_year(label)
