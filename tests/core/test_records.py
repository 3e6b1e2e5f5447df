"""Record aggregates: given events, when a command runs, then these new events (or an error)."""

from __future__ import annotations

import json
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from engine.errors import CareerHubError
from engine.records import RECORD_CLASSES, Record

Assessment, Institution = RECORD_CLASSES["assessments"], RECORD_CLASSES["institutions"]

KEY = ("100001", "2020-01-15")
VALUES = {"urn": "100001", "assessed_on": date(2020, 1, 15), **{f"bm{b}": 50 for b in range(1, 9)}}
AGGREGATE_NAMES = {
    "hubs": "Hub",
    "targets": "Target",
    "national": "NationalFigure",
    "institutions": "Institution",
    "advisers": "EnterpriseAdviser",
    "matches": "Match",
    "assessments": "Assessment",
    "encounters": "Encounter",
    "funding": "FundingApplication",
}


def recorded(values: dict | None = None) -> Assessment:
    """Given: an assessment whose Recorded event has been saved (no pending events left)."""
    record = Assessment.record(KEY, dict(values or VALUES), date(2020, 1, 15), "alice", "first import", "a.csv:2")
    record.collect_events()
    return record


def replayed(events: list) -> Record:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# --- recording ---------------------------------------------------------------------------------


def test_given_nothing_when_recorded_then_one_recorded_event_carries_key_values_and_provenance():
    record = Assessment.record(KEY, dict(VALUES), date(2020, 1, 15), "alice", "first import", "a.csv:2")

    [event] = record.collect_events()
    assert isinstance(event, Assessment.Recorded)
    assert event.key == list(KEY)
    assert event.values == VALUES
    assert (event.valid_on, event.actor, event.reason, event.source) == (date(2020, 1, 15), "alice", "first import", "a.csv:2")
    assert event.originator_id == Assessment.id_for(KEY)
    assert record.values == VALUES and record.retracted is False and record.version == 1


def test_given_a_recorded_event_when_replayed_then_the_state_is_rebuilt():
    record = Assessment.record(KEY, dict(VALUES), None, "alice", None, None)

    rebuilt = replayed(record.collect_events())

    assert (rebuilt.key, rebuilt.values, rebuilt.retracted) == (list(KEY), VALUES, False)


# --- corrections -------------------------------------------------------------------------------


def test_given_a_record_when_corrected_then_one_corrected_event_names_the_changed_fields():
    record = recorded()

    record.correct({**VALUES, "bm3": 100, "bm7": 0}, date(2020, 1, 15), "bob", "typo", "fix.csv:4")

    [event] = record.collect_events()
    assert isinstance(event, Assessment.Corrected)
    assert event.changed == ["bm3", "bm7"]
    assert event.values["bm3"] == 100 and event.values["bm7"] == 0
    assert (event.actor, event.reason, event.source) == ("bob", "typo", "fix.csv:4")
    assert record.values["bm3"] == 100 and record.version == 2


def test_given_a_record_when_the_same_values_are_offered_then_changes_from_is_empty():
    assert recorded().changes_from(dict(VALUES)) == []


def test_given_a_record_when_a_field_is_added_or_dropped_then_changes_from_names_it():
    record = recorded()

    assert record.changes_from({**VALUES, "note": "x"}) == ["note"]
    assert record.changes_from({k: v for k, v in VALUES.items() if k != "bm8"}) == ["bm8"]


def test_given_a_record_when_corrected_with_no_change_then_it_raises_and_records_nothing():
    record = recorded()

    with pytest.raises(CareerHubError, match="changes nothing"):
        record.correct(dict(VALUES), None, "bob", None, None)

    assert record.collect_events() == [] and record.version == 1


# --- retractions -------------------------------------------------------------------------------


def test_given_a_record_when_retracted_then_one_retracted_event_with_actor_and_reason():
    record = recorded()

    record.retract("carol", "entered for the wrong school")

    [event] = record.collect_events()
    assert isinstance(event, Assessment.Retracted)
    assert (event.actor, event.reason) == ("carol", "entered for the wrong school")
    assert record.retracted is True


def test_given_a_retracted_record_when_retracted_again_then_it_raises_and_records_nothing():
    record = recorded()
    record.retract("carol", "mistake")
    record.collect_events()

    with pytest.raises(CareerHubError, match="already retracted"):
        record.retract("carol", "again")

    assert record.collect_events() == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_given_a_record_when_retracted_without_a_reason_then_it_raises(reason):
    record = recorded()

    with pytest.raises(CareerHubError, match="reason"):
        record.retract("carol", reason)

    assert record.collect_events() == [] and record.retracted is False


def test_given_a_retracted_record_when_offered_again_then_every_field_counts_as_changed_and_it_returns():
    record = recorded()
    record.retract("carol", "mistake")
    record.collect_events()

    assert record.changes_from(dict(VALUES)) == sorted(VALUES)
    record.correct(dict(VALUES), None, "dave", "it was right after all", None)

    [event] = record.collect_events()
    assert isinstance(event, Assessment.Corrected) and record.retracted is False


def test_given_recorded_corrected_retracted_events_when_replayed_then_state_matches_the_live_aggregate():
    record = Assessment.record(KEY, dict(VALUES), None, "alice", None, None)
    record.correct({**VALUES, "bm1": 100}, None, "bob", None, None)
    record.retract("carol", "mistake")
    events = record.collect_events()

    rebuilt = replayed(events)

    assert [type(e).__name__ for e in events] == ["Recorded", "Corrected", "Retracted"]
    assert (rebuilt.values, rebuilt.retracted, rebuilt.version) == (record.values, True, 3)


# --- stable topics and ids ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(AGGREGATE_NAMES))
def test_every_kind_has_stable_topics_for_its_aggregate_and_events(kind):
    cls = RECORD_CLASSES[kind]
    name = AGGREGATE_NAMES[kind]

    assert cls.TOPIC == f"careerhub:{name}"
    for event in ("Recorded", "Corrected", "Retracted"):
        assert getattr(cls, event).TOPIC == f"careerhub:{name}.{event}"


def test_topics_are_what_the_mapper_stores_and_resolves():
    from eventsourcing.utils import get_topic, resolve_topic

    record = Assessment.record(KEY, dict(VALUES), None, "alice", None, None)
    record.correct({**VALUES, "bm1": 1}, None, "bob", None, None)
    record.retract("carol", "x")

    topics = [get_topic(type(e)) for e in record.collect_events()]

    assert topics == ["careerhub:Assessment.Recorded", "careerhub:Assessment.Corrected", "careerhub:Assessment.Retracted"]
    assert resolve_topic("careerhub:Assessment.Recorded") is Assessment.Recorded
    assert resolve_topic("careerhub:Assessment") is Assessment


def test_ids_are_uuid5_of_kind_and_natural_key():
    expected = uuid5(NAMESPACE_URL, "careerhub:" + json.dumps(["assessments", *KEY]))

    assert Assessment.id_for(KEY) == expected == Assessment.id_for(tuple(KEY))
    # Pinned: changing how ids are made would orphan every stored record.
    assert Assessment.id_for(KEY) == UUID(str(expected))
    assert Institution.id_for(("100001",)) == UUID("d6d82a54-23a8-576e-94fc-47287b6090c8")


def test_ids_differ_between_kinds_and_keys():
    ids = {cls.id_for(("100001",)) for cls in RECORD_CLASSES.values()}

    assert len(ids) == len(RECORD_CLASSES)
    assert Assessment.id_for(("100001", "2020-01-15")) != Assessment.id_for(("100001", "2020-01-16"))
    # The parts of a key are kept apart: ("a b", "c") is not ("a", "b c").
    assert Assessment.id_for(("a b", "c")) != Assessment.id_for(("a", "b c"))
