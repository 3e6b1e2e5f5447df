"""The demo hub is data: committed CSV files and a steps file, read by the loader, made by the generator."""

from __future__ import annotations

from pathlib import Path

from config.settings import load_settings
from demohub.generate import demo_history
from demohub.steps import FOLDER, DemoStep, Retraction, read_history, write_history
from projections.audit import LogFilter, list_log
from service.demo import load_demo
from service.hub import HubService


def test_the_committed_files_are_what_the_generator_makes_now():
    # Equal steps mean equal manifest rows and byte-equal CSV text: `python -m demohub.generate` was run.
    assert read_history() == demo_history()


def test_the_files_are_found_from_any_working_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert FOLDER.is_absolute() and read_history()[0] == demo_history()[0]


def test_writing_drops_files_no_step_names(tmp_path: Path):
    (tmp_path / "07-renamed-since.csv").write_text("urn\n")
    write_history([DemoStep("hubs", "01-hubs.csv", "hub_id,name,area\nh1,Hub,Area\n", "a@h.example", "r")], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01-hubs.csv", "steps.csv"]


def test_the_loader_follows_the_steps_file(tmp_path: Path, sqlite_url: str):
    write_history(
        [
            DemoStep("hubs", "01-hubs.csv", "hub_id,name,area\nh1,Hub,Area\n", "lead@h.example", "the hub"),
            DemoStep(
                "institutions",
                "02-institutions.csv",
                "urn,name,kind,area\n100001,A School,school,Area\n",
                "ec@h.example",
                "a school",
            ),
            Retraction("institutions", ("100001",), "ec@h.example", "entered by mistake"),
        ],
        tmp_path,
    )
    service = HubService(load_settings(sqlite_url, "someone.else"))
    try:
        assert load_demo(service, folder=tmp_path)
        rows = list_log(service.db, LogFilter())
    finally:
        service.close()
    assert [(r["event"], r["record_key"], r["actor"], r["reason"], r["source"]) for r in rows] == [
        ("Recorded", "h1", "lead@h.example", "the hub", "01-hubs.csv:2"),
        ("Recorded", "100001", "ec@h.example", "a school", "02-institutions.csv:2"),
        ("Retracted", "100001", "ec@h.example", "entered by mistake", None),
    ]
