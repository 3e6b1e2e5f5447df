"""Given a volunteer adviser who asks to be forgotten, when the hub redacts them, then their personal
values are gone from the store and every read model, the erasure is an event, and the chain verifies."""
from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from engine.errors import CareerHubError
from engine.verify import verify_chain
from service.hub import HubService

ADVISERS = b"adviser_ref,name,employer,postcode,latitude,longitude\nEA1,Zebedee Quixote,Quillfeather Engineering,DT1 1AA,50.7,-2.4\n"
CORRECTION = b"adviser_ref,name,employer,postcode,latitude,longitude\nEA1,Zebedee Quixote-Smith,Quillfeather Engineering,DT1 1AA,50.7,-2.4\n"


@pytest.fixture
def hub(database_url: str):
    service = HubService(load_settings(database_url, "dpo"))
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
    assert "Zebedee" not in database_text(hub) and "Quillfeather" not in database_text(hub)
    assert verify_chain(hub.app).ok
    redaction = hub.db.query("SELECT actor, reason, event FROM rm_log WHERE event = 'Redacted'")
    assert redaction == [{"actor": "dpo", "reason": "the adviser asked to be forgotten", "event": "Redacted"}]
    adviser = hub.db.query("SELECT name, employer, latitude FROM rm_advisers WHERE nid_to IS NULL")[0]
    assert adviser == {"name": "[redacted]", "employer": "[redacted]", "latitude": None}
    if database_url.startswith("sqlite"):
        path = Path(database_url[len("sqlite:///"):])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"Zebedee" not in raw and b"Quillfeather" not in raw


def test_a_rebuilt_read_model_stays_redacted(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    hub.projector.rebuild()
    assert "Zebedee" not in database_text(hub)


def test_re_importing_the_old_row_after_redaction_is_a_new_correction_not_a_silent_restore(hub):
    hub.redact("advisers", ["EA1"], "dpo", "forget me")
    with pytest.raises(CareerHubError, match="already redacted"):
        hub.redact("advisers", ["EA1"], "dpo", "again")
    assert verify_chain(hub.app).ok
