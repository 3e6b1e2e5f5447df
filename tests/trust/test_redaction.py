"""Given a volunteer adviser who asks to be forgotten, when the hub redacts them, then their personal
values are gone from the store and every read model, the erasure is an event, and the chain verifies."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.cipher import AESCipher

from cli import main
from config.settings import Settings, load_settings
from engine.backends import SQLiteBackend
from engine.errors import CareerHubError
from engine.verify import verify_chain
from service.hub import HubService
from service.matchruns import get_run, propose, replay

ADVISERS = (
    b"adviser_ref,name,employer,skills,postcode,latitude,longitude,capacity\n"
    b"EA1,Zebedee Quixote,Quillfeather Engineering,xylophonics,DT1 1AA,50.7123,-2.4321,1\n"
    b"EA2,Ada Byron,Engines Ltd,stem,DT2 2BB,50.71,-2.44,1\n"
)
CORRECTION = (
    b"adviser_ref,name,employer,skills,postcode,latitude,longitude,capacity\n"
    b"EA1,Zebedee Quixote-Smith,Quillfeather Engineering,xylophonics,DT1 1AA,50.7123,-2.4321,1\n"
)
SCHOOLS = (
    b"hub_id,name,area\nh1,Hub,Dorset\n",
    b"urn,name,kind,area,latitude,longitude,ean_joined_on\n100001,Castle School,school,Dorset,50.71,-2.44,2019-09-01\n"
    b"100002,Harbour School,school,Dorset,50.70,-2.43,2019-09-01\n",
)
PERSONAL = ("Zebedee", "Quillfeather", "xylophonics", "50.7123", "-2.4321")


@pytest.fixture
def hub(database_url: str):
    service = HubService(load_settings(database_url, "dpo"))
    service.import_file("hubs", Path("h.csv"), "ec", data=SCHOOLS[0])
    service.import_file("institutions", Path("i.csv"), "ec", data=SCHOOLS[1])
    service.import_file("advisers", Path("a.csv"), "ec", data=ADVISERS)
    service.import_file("advisers", Path("b.csv"), "ec", data=CORRECTION)
    yield service
    service.close()


def database_text(hub: HubService) -> str:
    """Everything careerhub stored, as text: every table, every column."""
    tables = ["event_log", "rm_log", "rm_advisers", hub.app.recorder.events_table_name]
    return "\n".join(repr(hub.db.query(f"SELECT * FROM {t}")) for t in tables)


def test_redaction_erases_the_personal_values_and_the_chain_still_verifies(hub, database_url):
    assert "Zebedee" in database_text(hub)
    hub.redact("advisers", ["EA1"], "dpo", "the adviser asked to be forgotten")
    assert not [word for word in PERSONAL if word in database_text(hub)]
    assert verify_chain(hub.app).ok
    redaction = hub.db.query("SELECT actor, reason, event FROM rm_log WHERE event = 'Redacted'")
    assert redaction == [{"actor": "dpo", "reason": "the adviser asked to be forgotten", "event": "Redacted"}]
    adviser = hub.db.query("SELECT name, employer, latitude FROM rm_advisers WHERE nid_to IS NULL AND adviser_ref = 'EA1'")[0]
    assert adviser == {"name": "[redacted]", "employer": "[redacted]", "latitude": None}
    if database_url.startswith("sqlite"):
        path = Path(database_url[len("sqlite:///") :])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert not [word for word in PERSONAL if word.encode() in raw]


def test_redaction_scrubs_every_matcher_run_that_listed_the_adviser(hub, database_url):
    runs = [propose(hub, "Dorset", date(2020, 1, 6), actor="ec") for _ in range(2)]
    assert "Zebedee" in database_text(hub)

    hub.redact("advisers", ["EA1"], "dpo", "the adviser asked to be forgotten")

    assert not [word for word in PERSONAL if word in database_text(hub)]
    assert verify_chain(hub.app).ok
    run = get_run(hub, runs[0]["run_id"])
    inputs = {a["adviser_ref"]: a for a in run.inputs["advisers"]}
    assert (inputs["EA1"]["name"], inputs["EA1"]["skills"], inputs["EA1"]["latitude"]) == ("[redacted]", [], None)
    assert inputs["EA2"]["name"] == "Ada Byron"  # only the person who asked is forgotten
    assert replay(hub, runs[0]["run_id"])["run_id"] == runs[0]["run_id"]  # the scrubbed inputs still replay
    log = CliRunner().invoke(main, ["log", "--database-url", database_url, "--format", "jsonl"])
    assert log.exit_code == 0 and "MatchRun" in log.output
    assert not [word for word in PERSONAL if word in log.output]
    hub.projector.rebuild()
    assert not [word for word in PERSONAL if word in database_text(hub)]


def test_a_rebuilt_read_model_stays_redacted(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    hub.projector.rebuild()
    assert "Zebedee" not in database_text(hub)


def test_re_importing_the_old_row_after_redaction_is_a_new_correction_not_a_silent_restore(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    with pytest.raises(CareerHubError, match="already redacted"):
        hub.redact("advisers", ["EA1"], "dpo", "again")
    assert verify_chain(hub.app).ok


def forge(hub: HubService, position: int, old: bytes, new: bytes) -> None:
    table = hub.app.recorder.events_table_name
    nid = "rowid" if isinstance(hub.db.backend, SQLiteBackend) else "notification_id"
    state = bytes(hub.db.query(f"SELECT state FROM {table} WHERE {nid} = ?", (position,))[0]["state"])
    forged = re.sub(old, new, state)
    assert forged != state
    with hub.db.transaction(commit=True) as c:
        c.execute(f"UPDATE {table} SET state = ? WHERE {nid} = ?", (forged, position))


def adviser_positions(hub: HubService) -> list[int]:
    return [r["nid"] for r in hub.db.query("SELECT nid FROM rm_log WHERE kind = 'advisers' AND record_key = 'EA1' ORDER BY nid")]


def test_an_event_rewritten_by_a_redaction_cannot_be_forged_afterwards(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    recorded = adviser_positions(hub)[0]
    forge(hub, recorded, rb'"capacity": ?1', b'"capacity": 7')
    verdict = verify_chain(hub.app)
    assert (verdict.ok, verdict.position) == (False, recorded)
    assert verdict.problem.startswith("altered")


def test_a_matcher_run_rewritten_by_a_redaction_cannot_be_forged_afterwards(hub):
    run = propose(hub, "Dorset", date(2020, 1, 6), actor="ec")
    position = hub.db.query("SELECT nid FROM rm_log WHERE aggregate_id = ?", (run["run_id"],))[0]["nid"]
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    forge(hub, position, rb'"capacity": ?1', b'"capacity": 9')
    assert (verify_chain(hub.app).ok, verify_chain(hub.app).position) == (False, position)


def test_the_redactions_commitment_is_itself_covered_by_the_chain(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    redaction = adviser_positions(hub)[-1]
    forge(hub, redaction, rb"[0-9a-f]{64}", b"0" * 64)  # as if to bless a forged rewrite
    verdict = verify_chain(hub.app)
    assert not verdict.ok and verdict.position <= redaction


def test_two_redactions_rewriting_the_same_run_both_verify(hub):
    propose(hub, "Dorset", date(2020, 1, 6), actor="ec")
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    hub.redact("advisers", ["EA2"], "dpo", "forget me too")
    assert verify_chain(hub.app).ok
    assert "Ada Byron" not in database_text(hub)


def test_a_redaction_under_encryption_at_rest_still_verifies(database_url):
    key = AESCipher.create_key(16)
    service = HubService(Settings(database_url=database_url, actor="dpo", cipher_key=key))
    try:
        for kind, data in (("hubs", SCHOOLS[0]), ("institutions", SCHOOLS[1]), ("advisers", ADVISERS)):
            service.import_file(kind, Path(f"{kind}.csv"), "ec", data=data)
        run = propose(service, "Dorset", date(2020, 1, 6), actor="ec")
        service.redact("advisers", ["EA1"], "dpo", "forget me")
        assert verify_chain(service.app).ok
        assert get_run(service, run["run_id"]).inputs["advisers"][0]["name"] in ("[redacted]", "Ada Byron")
        assert "Zebedee" not in repr(get_run(service, run["run_id"]).inputs)
    finally:
        service.close()
