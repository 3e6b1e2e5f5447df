"""The demo's learner extension: committed files made by its generator, loaded after the demo hub
(whose own steps stay as they are), and the hub lead's sentence about Colmer School."""

from __future__ import annotations

from datetime import date

import pytest

from config.settings import load_settings
from demohub.learners import FOLDER, learner_history
from demohub.steps import read_history
from projections.coverage import measured_coverage
from projections.queries import Known
from service.demo import load_demo, load_learner_demo
from service.hub import HubService


def test_the_committed_learner_files_are_what_the_generator_makes_now():
    assert read_history(FOLDER) == learner_history()


def test_the_learner_extension_needs_the_demo_hub_first(sqlite_url: str):
    service = HubService(load_settings(sqlite_url, "demo"))
    try:
        assert not load_learner_demo(service)
    finally:
        service.close()


@pytest.mark.slow
def test_a_hub_lead_sees_colmer_self_assessed_100_but_measured_83_of_year_10(sqlite_url: str):
    service = HubService(load_settings(sqlite_url, "demo"))
    try:
        assert load_demo(service) and load_learner_demo(service)
        rows = measured_coverage(Known(service.db, service.app.last_position()), "dorset", date(2020, 7, 31))["institutions"]
        again = measured_coverage(Known(service.db, service.app.last_position()), "dorset", date(2020, 7, 31), "2025")
    finally:
        service.close()
    colmer = next(r for r in rows if r["urn"] == "125699" and r["benchmark"] == 5)
    assert colmer["message"] == "self-assessed BM5 100 %, measured 83 % of Year 10 (disadvantaged 71 %)" and colmer["gap"]
    assert again["definitions"]["6"]["required"] == 2 and again["definitions_asked"] == "2025"
