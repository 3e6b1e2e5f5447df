"""Given CAREERHUB_CIPHER_KEY, event bodies and the read model's names are encrypted at rest; a wrong
key is a clear error, not a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.cipher import AESCipher

from cli import main
from config.settings import Settings
from engine.errors import CareerHubError
from engine.sealing import PREFIX
from projections.audit import LogFilter, list_log
from projections.queries import Known, known_rows
from projections.report import Query, settled_report
from projections.report_cache import REPORTS
from service.demo import load_demo
from service.hub import HubService
from service.matchruns import propose


def open_hub(url: str, key: str | None) -> HubService:
    return HubService(Settings(database_url=url, actor="t", cipher_key=key))


def test_no_institution_or_adviser_name_is_in_the_encrypted_database_file(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/enc.sqlite3"
    key = AESCipher.create_key(32)
    hub = open_hub(url, key)
    load_demo(hub)
    report = hub.report(Query("dorset", date(2019, 12, 31))).to_json()
    names = [r["name"] for r in hub.db.query("SELECT * FROM rm_institutions")]
    institution_names = [r["name"] for r in known_rows(Known(hub.db, hub.projector.position()), "institutions")]
    adviser_names = [r["name"] for r in known_rows(Known(hub.db, hub.projector.position()), "advisers")]
    hub.close()
    assert report["average_benchmarks"] == 4.5
    assert all(n.startswith("aes:") for n in names)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("enc.sqlite3*"))
    leaked = [n for n in institution_names + adviser_names if n.encode() in raw]
    assert institution_names and adviser_names and leaked == []


def test_kept_answers_are_sealed_and_served_unsealed(database_url: str):
    """A kept report names the institutions that owe data: on either backend the shared cache holds it sealed,
    and another process reads it back as computed."""
    key = AESCipher.create_key(32)
    hub = open_hub(database_url, key)
    load_demo(hub)
    query = Query("dorset", date(2019, 12, 31))
    computed = hub.report(query).to_json()
    kept = [row["report"] for row in hub.db.query(f"SELECT report FROM {REPORTS.table}")]
    settled_report.cache_clear()  # as another process: nothing in memory
    other = open_hub(database_url, key)
    served = other.report(query).to_json()
    other.close()
    hub.close()
    assert computed["data_required_institutions"] and kept and all(text.startswith(PREFIX) for text in kept)
    assert served == computed


def test_a_wrong_key_is_a_clear_error(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/enc.sqlite3"
    hub = open_hub(url, AESCipher.create_key(32))
    hub.import_file("hubs", Path("h.csv"), "t", data=b"hub_id,name,area\nh1,Hub,Area\n")
    hub.close()
    with pytest.raises(CareerHubError, match="encrypted with another key"):
        open_hub(url, AESCipher.create_key(32))
    result = CliRunner(env={"CAREERHUB_CIPHER_KEY": AESCipher.create_key(32)}).invoke(main, ["log", "--database-url", url])
    assert result.exit_code == 1 and "encrypted with another key" in result.output
    assert "Traceback" not in result.output


def test_keygen_prints_a_key_that_opens_a_store(tmp_path: Path):
    key = CliRunner().invoke(main, ["keygen"]).output.strip()
    hub = open_hub(f"sqlite:///{tmp_path}/k.sqlite3", key)
    hub.import_file("hubs", Path("h.csv"), "t", data=b"hub_id,name,area\nh1,Hub,Area\n")
    assert hub.report(Query("h1", date(2020, 1, 1))).to_json()["institutions"] == 0
    hub.close()


def test_every_personal_value_is_sealed_at_rest_and_still_usable(database_url: str):
    """Advisers' coordinates and the actors' e-mail addresses are personal data too (README)."""
    hub = open_hub(database_url, AESCipher.create_key(32))
    try:
        hub.import_file("hubs", Path("h.csv"), "ec.one@dorset.example", data=b"hub_id,name,area\nh1,Hub,Dorset\n")
        hub.import_file(
            "institutions",
            Path("i.csv"),
            "ec.one@dorset.example",
            data=b"urn,name,kind,area,latitude,longitude,ean_joined_on\n100001,A,school,Dorset,50.7,-2.4,2019-09-01\n",
        )
        hub.import_file(
            "advisers",
            Path("a.csv"),
            "ec.two@dorset.example",
            data=b"adviser_ref,name,latitude,longitude\nEA1,Someone,50.7123,-2.4321\n",
        )
        stored = repr(hub.db.query("SELECT * FROM rm_log")) + repr(hub.db.query("SELECT * FROM rm_advisers"))
        assert not [v for v in ("ec.one@dorset.example", "ec.two", "50.7123", "-2.4321") if v in stored]

        adviser = known_rows(Known(hub.db, hub.projector.position()), "advisers")[0]
        assert (adviser["latitude"], adviser["longitude"]) == (50.7123, -2.4321)
        run = propose(hub, "Dorset", date(2020, 1, 6), actor="ec.one@dorset.example")
        assert [(p["urn"], p["adviser_ref"]) for p in run["proposals"]] == [("100001", "EA1")]
        mine = list_log(hub.db, LogFilter(actor="ec.two@dorset.example"))
        assert [(r["actor"], r["kind"]) for r in mine] == [("ec.two@dorset.example", "advisers")]
    finally:
        hub.close()
