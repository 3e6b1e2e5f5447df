"""`careerhub projections run`: the projection worker follows the log that other processes write, on
both backends (PostgreSQL wakes it by NOTIFY: its poll is set to an hour here, so only a notification
can make it apply in time for the test); a writer waits until the worker has applied its write; a
worker killed with SIGKILL mid-batch and started again applies every event exactly once. Only order
and completion are asserted; durations are printed, never compared."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

import service.hub as hub_module
from config.settings import Settings
from engine.importing.importer import import_file
from projections.check import check_read_model
from service.hub import HubService
from tests.deployment.processes import CAREERHUB, HANG_GUARD_SECONDS, careerhub_env, eventually, running
from tests.robustness.support import ASSESSMENT_HEADER, HUB_HEADER, INSTITUTION_HEADER, institution, write_csv

ONLY_NOTIFY_WAKES = ["--poll-seconds", "3600"]
SCHOOLS = [str(600000 + i) for i in range(150)]


def worker_service(database_url: str) -> HubService:
    """A process that writes and reads as the web does when a worker runs: it never applies events."""
    return HubService(Settings(database_url=database_url, actor="tester", projection_worker=True))


def hub_files(folder: Path, assessment_days: int = 1) -> list[tuple[str, Path]]:
    hubs = write_csv(folder, "hubs.csv", HUB_HEADER, [["dorset", "Dorset Careers Hub", "Dorset", "2019-09-01"]])
    schools = write_csv(folder, "institutions.csv", INSTITUTION_HEADER, [institution(urn, "Dorset", 50.7) for urn in SCHOOLS])
    assessments = [
        write_csv(
            folder,
            f"assessments-{d}.csv",
            ASSESSMENT_HEADER,
            [[urn, f"2019-10-{d + 1:02d}", *(str((int(urn) + d + b) % 101) for b in range(8))] for urn in SCHOOLS],
        )
        for d in range(assessment_days)
    ]
    return [("hubs", hubs), ("institutions", schools), *(("assessments", path) for path in assessments)]


def contiguous_from_one(ranges: list[tuple[int, int]], head: int) -> bool:
    """The batches cover positions 1..head, each once, in order."""
    return (
        bool(ranges)
        and ranges[0][0] == 1
        and ranges[-1][1] == head
        and all(last + 1 == first for (_, last), (first, _) in zip(ranges, ranges[1:], strict=False))
    )


def test_the_worker_applies_what_another_process_records_and_the_writer_reads_its_write(database_url, tmp_path, monkeypatch):
    # No bound on the writer's wait: that it returns only once its write is applied is what is checked.
    monkeypatch.setattr(hub_module, "READ_YOUR_WRITES_SECONDS", float(HANG_GUARD_SECONDS))
    service = worker_service(database_url)  # the store and read model exist before the worker starts
    poll = ONLY_NOTIFY_WAKES if service.db.backend.notifies else []
    waits = []
    with running(["projections", "run", *poll], careerhub_env(database_url), tmp_path / "worker.log") as worker:
        eventually(lambda: "following the log" in worker.text(), "the worker is listening")
        for kind, path in hub_files(tmp_path):
            started = time.perf_counter()
            service.import_file(kind, path, "tester", f"{kind} for the worker")
            waits.append(time.perf_counter() - started)
            head = service.app.last_position()
            assert service.projector.position() == head  # the import returned after the worker applied it
        assert worker.stop() == 0
    assert contiguous_from_one(worker.applied_ranges(), head)
    assert f"stopped at log position {head}" in worker.text()
    assert check_read_model(service.app).ok
    print(
        f"\nworker ({service.db.backend.name}): {head} events in {len(waits)} imports, each returned once applied by the"
        f" worker after {', '.join(f'{w:.3f}' for w in waits)} s (import included)"
    )
    service.close()


def test_with_a_worker_reads_use_the_model_as_it_is_and_run_once_catches_it_up(database_url, tmp_path):
    service = worker_service(database_url)
    import_file(service.app, "hubs", hub_files(tmp_path)[0][1], "tester", "recorded, not applied")
    head = service.app.last_position()
    assert service.refresh() == 0 and service.projector.position() == 0  # a read applies nothing
    result = subprocess.run(
        [CAREERHUB, "projections", "run", "--once"],
        env=careerhub_env(database_url),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert f"stopped at log position {head}" in result.stdout
    assert service.refresh() == head
    service.close()


def test_a_worker_killed_mid_batch_and_started_again_applies_every_event_once(database_url, tmp_path):
    service = worker_service(database_url)
    for kind, path in hub_files(tmp_path, assessment_days=6):
        import_file(service.app, kind, path, "tester", f"{kind}, recorded before the worker starts")
    head = service.app.last_position()
    small_batches = ["projections", "run", "--batch-size", "25"]
    killed_at = []
    for attempt in range(3):
        log = tmp_path / f"worker-{attempt}.log"
        with running(small_batches, careerhub_env(database_url), log) as worker:
            # SIGKILL as soon as it has committed a batch this time: it is then inside the next one.
            eventually(lambda w=worker: w.applied_ranges() != [], "the worker applies a batch")
            worker.kill()
        killed_at.append(service.projector.position())
    assert 0 < killed_at[0] and killed_at[-1] < head, "the kills landed before the log was fully applied"
    result = subprocess.run(
        [CAREERHUB, *small_batches, "--once"],
        env=careerhub_env(database_url),
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    assert service.projector.position() == head
    verdict = check_read_model(service.app)  # the log replayed into a scratch model, compared row by row
    assert verdict.ok and verdict.position == head and verdict.behind == 0, verdict.difference
    assert service.db.scalar("SELECT COUNT(*) FROM rm_log") == head  # each position once: none twice, none lost
    print(
        f"\nworker SIGKILLed ({service.db.backend.name}) at read-model positions {killed_at} of {head};"
        " restarted: all applied once"
    )
    service.close()


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_the_worker_stops_cleanly_on_a_signal(sqlite_url, tmp_path, signal_name):
    worker_service(sqlite_url).close()
    with running(["projections", "run"], careerhub_env(sqlite_url), tmp_path / "worker.log") as worker:
        eventually(lambda: "following the log" in worker.text(), "the worker is running")
        worker.process.send_signal(getattr(signal, signal_name))
        assert worker.process.wait(timeout=HANG_GUARD_SECONDS) == 0
    assert "stopped at log position 0" in worker.text()
