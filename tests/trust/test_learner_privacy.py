"""Given a school's learner file with its own pupil identifiers, then no identifier reaches the store,
the log, an export or a page; and when a learner is erased, their pseudonym is gone from every event and
read model, they leave every figure, and the chain and the read model still verify."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from config.settings import load_settings
from engine.verify import verify_chain
from projections.check import check_read_model
from projections.coverage import measured_coverage
from projections.queries import Known
from service.hub import HubService
from tests.web.factories import PASSWORD, services, sign_in
from web import create_app

SECRET = "a hub's learner secret"
PUPIL = "UPNQ7731X"  # every pupil identifier of the file starts so; none may be found anywhere
FILES = (
    ("hubs", "hub_id,name,area\nh1,Hub One,Dorset\n"),
    ("institutions", "urn,name,kind,area,hub_id,hub_joined_on\n100001,Castle School,school,Dorset,h1,2018-09-01\n"),
    ("assessments", "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n100001,2019-10-01,50,50,50,50,100,50,50,50\n"),
    ("encounters", "encounter_ref,urn,occurred_on,kind,year_groups\nE1,100001,2019-10-10,employer_encounter,10\n"),
    (
        "learners",
        "pupil_id,urn,year_group,academic_year,disadvantaged\n"
        + "".join(f"{PUPIL}{i:03d},100001,10,2019/20,{'true' if i < 2 else 'false'}\n" for i in range(6)),
    ),
    (
        "participations",
        "pupil_id,encounter_ref,urn,participated_on\n" + "".join(f"{PUPIL}{i:03d},E1,100001,2019-10-10\n" for i in range(5)),
    ),
)
DAY = date(2020, 7, 31)


def load(service: HubService) -> None:
    for kind, text in FILES:
        service.import_file(kind, Path(f"{kind}.csv"), "loader", "test data", data=text.encode())


@pytest.fixture
def learners_hub(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubService]:
    monkeypatch.setenv("CAREERHUB_LEARNER_SECRET", SECRET)
    service = HubService(load_settings(database_url, "dpo"))
    load(service)
    yield service
    service.close()


def year_10(service: HubService) -> dict:
    service.refresh()
    result = measured_coverage(Known(service.db, service.app.last_position()), "h1", DAY, minimum=1)
    return next(r for r in result["institutions"] if r["benchmark"] == 5)


def test_no_pupil_identifier_reaches_the_store_the_log_an_export_or_a_page(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("CAREERHUB_LEARNER_SECRET", SECRET)
    app = create_app(load_settings(sqlite_url, "web-test"), {"SECRET_KEY": "test secret"})
    hub = services(app).hub
    load(hub)
    services(app).users.add_user("admin", "admin", None, PASSWORD, "setup")
    runner, env = CliRunner(), {"CAREERHUB_DATABASE_URL": sqlite_url, "CAREERHUB_LEARNER_SECRET": SECRET}
    outputs = [
        runner.invoke(main, args, env=env).output
        for args in (
            ["export", "--hub", "h1", "--as-of", "2020-07-31", str(tmp_path / "export")],
            ["log", "--format", "jsonl"],
            ["history", "100001"],
            ["report", "--hub", "h1", "--as-of", "2020-07-31", "--format", "json"],
            ["evidence", "--hub", "h1", "--year", "2019/20", "--format", "json"],
        )
    ]
    browser = sign_in(app, "admin")
    pages = [
        browser.get(path).text
        for path in ("/institution/100001?as_of=2020-07-31", "/hub/h1/board?on=2020-07-31", "/audit/log", "/audit/history/100001")
    ]
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    stored = [p.read_bytes() for p in database.parent.glob(database.name + "*")]
    exported = [p.read_bytes() for p in (tmp_path / "export").rglob("*") if p.is_file()]

    assert "self-assessed BM5 100 %, measured 83 % of Year 10 (disadvantaged 100 %)" in pages[0]
    assert stored and exported and all(outputs)
    assert [b for b in stored + exported if PUPIL.encode() in b] == []
    assert [t for t in outputs + pages if PUPIL in t] == []
    hub.close()


def test_erasing_a_learner_removes_their_pseudonym_and_every_figure_of_theirs_and_everything_still_verifies(
    learners_hub: HubService,
):
    key = next(r for r in learners_hub.db.query("SELECT learner_key FROM rm_participations"))["learner_key"]
    assert (year_10(learners_hub)["learners"], year_10(learners_hub)["reached"]) == (6, 5)

    learners_hub.redact("learners", [key], "dpo", "the pupil's parent asked for erasure (UK GDPR art. 17)")

    assert (year_10(learners_hub)["learners"], year_10(learners_hub)["reached"]) == (5, 4)
    assert verify_chain(learners_hub.app).ok
    assert check_read_model(learners_hub.app).ok
    table = learners_hub.app.recorder.events_table_name
    events = learners_hub.db.query(f"SELECT state FROM {table}")
    assert [e for e in events if key.encode() in bytes(e["state"])] == []
    for rm in ("rm_learners", "rm_participations", "rm_log"):
        assert learners_hub.db.query(f"SELECT * FROM {rm} WHERE record_key LIKE ?", (f"%{key}%",)) == []
