"""Knowledge points: the log's transactions, `--known-at @POSITION`, and the demo's late autumn returns
seen from before and after them."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from config.settings import load_settings
from config.values import KnowledgePoint, parse_knowledge_point
from engine.errors import CareerHubError
from projections.compare import compare_known_at
from projections.queries import position_at
from projections.report import Query
from projections.transactions import TransactionSearch, list_transactions, search_transactions, transaction_at
from service.demo import load_demo
from service.hub import HubService
from tests.projections.factories import HUB, Cli, World, assessment, hub, institution

LATE = "late autumn assessments"
AUTUMN_END = date(2019, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'careerhub.sqlite3'}"
    service = HubService(load_settings(url, "demo.test"))
    assert load_demo(service)
    yield service, url
    service.close()


def late_autumn(service: HubService):
    [late] = search_transactions(list_transactions(service.db), TransactionSearch(text=LATE))
    return late


# --- the value ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, point",
    [
        ("@957", KnowledgePoint(position=957)),
        ("@0", KnowledgePoint(position=0)),
        ("2026-11-29T05:39:29.793553", KnowledgePoint(moment=parse_knowledge_point("2026-11-29T05:39:29.793553Z").moment)),
    ],
)
def test_a_knowledge_point_is_a_position_or_a_moment_to_the_microsecond(text, point):
    assert parse_knowledge_point(text) == point
    assert parse_knowledge_point(point.isoformat()) == point


@pytest.mark.parametrize("text", ["@", "@-1", "@1.5", "@ 3", "@٣", "@99999999999999999999999", "yesterday"])
def test_a_knowledge_point_that_is_neither_is_refused_in_plain_words(text):
    with pytest.raises(ValueError) as refused:
        parse_knowledge_point(text)
    assert "@957" in str(refused.value)


# --- the transactions -----------------------------------------------------------------------------


def test_every_demo_step_is_one_transaction_ending_at_its_last_event(demo):
    service, _ = demo
    found = list_transactions(service.db)
    reasons = [t.reason for t in found]
    assert len(found) > 10 and len(set(reasons)) == len(reasons)  # one transaction per step, each its own reason
    assert found[-1].position == service.app.last_position()
    assert all(b.first_position == a.position + 1 for a, b in pairwise(found))
    assert sum(t.events for t in found) == service.app.last_position()
    late = late_autumn(service)
    assert (late.kinds, late.actor, late.source) == (
        ("assessments",),
        "hub.lead@dorset.example",
        "10-assessments-late-autumn.csv",
    )
    assert transaction_at(service.db, late.position) == late
    assert transaction_at(service.db, late.first_position + 3) == late


def test_the_report_before_the_late_returns_owes_more_data_than_after_them(demo):
    service, _ = demo
    late = late_autumn(service)
    before = service.report(Query("dorset", AUTUMN_END, KnowledgePoint(position=late.before))).to_json()
    after = service.report(Query("dorset", AUTUMN_END, KnowledgePoint(position=late.position))).to_json()

    assert before["data_required"] > after["data_required"]
    assert (before["log_position"], after["log_position"]) == (late.before, late.position)
    assert (before["known_at"], after["known_at"]) == (f"@{late.before}", f"@{late.position}")


def test_the_comparison_names_the_late_schools_and_the_events_that_brought_their_returns(demo):
    service, _ = demo
    late = late_autumn(service)
    diff = compare_known_at(
        service.db, Query("dorset", AUTUMN_END), KnowledgePoint(position=late.before), KnowledgePoint(position=late.position)
    )

    owed_then = {i["urn"] for i in diff["then"]["data_required_institutions"]}
    owed_now = {i["urn"] for i in diff["now"]["data_required_institutions"]}
    late_schools = owed_then - owed_now
    assert late_schools and diff["figures"]["data_required"] == {"then": len(owed_then), "now": len(owed_now)}
    listed = {i["urn"]: i for i in diff["institutions"]}
    for urn in late_schools:
        assert {"field": "data_required", "then": True, "now": False} in listed[urn]["changes"]
        events = listed[urn]["events"]
        assert events and all(late.first_position <= e["nid"] <= late.position and e["reason"] == LATE for e in events)


def test_a_position_not_yet_recorded_is_refused(demo):
    service, _ = demo
    last = service.app.last_position()
    assert position_at(service.db, KnowledgePoint(position=last)) == last
    with pytest.raises(CareerHubError, match="not been recorded yet"):
        position_at(service.db, KnowledgePoint(position=last + 1))


def test_a_moment_with_a_fraction_of_a_second_separates_transactions_recorded_within_one_second(demo):
    service, _ = demo
    late = late_autumn(service)
    moment = parse_knowledge_point(late.recorded_at).moment
    assert position_at(service.db, KnowledgePoint(moment=moment)) == late.position
    assert position_at(service.db, KnowledgePoint(moment=moment - timedelta(microseconds=1))) == late.before


# --- the command line -----------------------------------------------------------------------------


def test_the_cli_lists_transactions_and_reads_the_report_at_a_position(demo):
    _, url = demo
    cli = Cli(url)
    points = cli.json("transactions")
    assert set(points[0]) >= {"position", "recorded_at", "actor", "reason", "source", "kinds", "events"}
    [late] = cli.json("transactions", "--search", "LATE AUTUMN")
    before = f"@{late['first_position'] - 1}"

    then = cli.json("report", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", before)
    now = cli.json("report", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", f"@{late['position']}")
    assert then["data_required"] > now["data_required"]

    diff = cli.json(
        "report", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", before, "--compare-known-at", f"@{late['position']}"
    )
    assert diff["log_positions"] == [late["first_position"] - 1, late["position"]]
    assert diff["institutions"] and all(e["reason"] == LATE for i in diff["institutions"] for e in i["events"])

    table = cli.ok("transactions", "--hub", "dorset").stdout
    assert f"@{late['position']}" in table and LATE in table
    explained = cli.json("explain", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", before, "data_required")
    assert explained["log_position"] == late["first_position"] - 1


def test_the_cli_refuses_a_bad_or_future_position_in_plain_words(demo):
    _, url = demo
    cli = Cli(url)
    bad = cli("report", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", "@x")
    assert bad.exit_code == 2 and "log position like @957" in bad.output
    future = cli("report", "--hub", "dorset", "--as-of", "2019-12-31", "--known-at", "@99999", "--format", "json")
    assert future.exit_code == 1 and "has not been recorded yet" in future.output
    assert "Traceback" not in future.output


def test_the_log_takes_positions_as_its_bounds(demo):
    _, url = demo
    rows = Cli(url).ok("log", "--since", "@921", "--until", "@923", "--format", "jsonl").stdout.splitlines()
    assert len(rows) == 3


def test_with_a_hub_only_transactions_touching_it_are_listed(sqlite_url: str):
    sqlite_world = World(sqlite_url)
    sqlite_world.given_hub(institution("A"))
    sqlite_world.load("hubs", hub("south", "Southshire"), reason="another hub")
    sqlite_world.load("institutions", {**institution("S"), "area": "Southshire", "hub_id": "south"}, reason="south school")
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=[1]), reason="north return")
    cli = Cli(sqlite_world.database_url)

    everything = [t["reason"] for t in cli.json("transactions")]
    north = [t["reason"] for t in cli.json("transactions", "--hub", HUB)]

    assert {"another hub", "south school", "north return"} <= set(everything)
    assert "north return" in north and "south school" not in north and "another hub" not in north
    unknown = cli("transactions", "--hub", "nowhere")
    assert unknown.exit_code == 1 and "no hub 'nowhere'" in unknown.output
    sqlite_world.close()
