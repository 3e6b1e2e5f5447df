"""Real careerhub processes to kill and to race.

Each process is forked from a multiprocessing fork server that has already imported careerhub, so a
SIGKILL lands in the work (opening the store, parsing, saving, catching up) rather than in Python's
start-up, and fifty kills cost seconds, not minutes. The child runs the real `careerhub` command
(`cli.main`) or a service function, with its standard output and error kept in files.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier, Event, Lock
from pathlib import Path
from typing import Any

PRELOAD = [
    "cli",
    "service.hub",
    "service.matchruns",
    "engine.verify",
    "projections.runner",
    "tests.robustness.harness",
    "tests.robustness.forkserver_preload",
]
RUN_TIMEOUT_S = 300.0
KILLED = -9


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


# --- what a child runs ---------------------------------------------------------------------------


def keep_output(folder: str) -> None:
    """Point this process's standard output and error at files in `folder`, and count its write
    conflicts (saves refused because another writer got there first) in a third."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        target = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    # A process still running near the harness's timeout leaves every thread's stack in its stderr first:
    # a hang (seen once) then says where it waits.
    faulthandler.dump_traceback_later(RUN_TIMEOUT_S - 10, exit=False)
    from eventsourcing.persistence import IntegrityError

    from engine.application import CareerHub

    save = CareerHub.save

    def counted(app: CareerHub, *aggregates: Any, **kwargs: Any) -> Any:
        try:
            return save(app, *aggregates, **kwargs)
        except IntegrityError:
            with open(os.path.join(folder, "conflicts"), "a") as conflicts:
                conflicts.write("1\n")
            raise

    CareerHub.save = counted  # type: ignore[method-assign]


@dataclass(frozen=True)
class Race:
    """How racers start: one at a time through `startup` (opening the store), then all together
    from `barrier`, so that their writes collide, not their start-ups (see the start-up test)."""

    barrier: Barrier
    startup: Lock


@dataclass(frozen=True)
class Pause:
    """Hold a process at one point until told to go on: it sets `reached`, then waits for `go`."""

    reached: Event
    go: Event

    def hold(self) -> None:
        self.reached.set()
        if not self.go.wait(RUN_TIMEOUT_S):
            raise TimeoutError("nobody let the paused process go on")


def run_cli(folder: str, args: list[str], race: Race | None = None, env: dict[str, str] | None = None) -> None:
    """`careerhub ARGS` in this process, with `env` added to its environment (the fork server's is the
    session's as it started); the exit status is the command's."""
    keep_output(folder)
    os.environ.update(env or {})
    from cli import main
    from service.hub import HubService

    if race is not None:
        open_store = HubService.__init__

        def open_then_wait(service: HubService, *args: Any, **kwargs: Any) -> None:
            with race.startup:
                open_store(service, *args, **kwargs)
            race.barrier.wait()

        HubService.__init__ = open_then_wait  # type: ignore[method-assign]
    main(args, prog_name="careerhub")


def run_accept(
    folder: str,
    database_url: str,
    run_id: str,
    actor: str,
    before_save: Barrier | None = None,
    after_check: Pause | None = None,
    race: Race | None = None,
) -> None:
    """service.matchruns.accept in this process, reporting as `careerhub match accept` does.

    `before_save` holds the accept after its staleness check and its claims until every racer is
    there, so that all of them save at one moment. `after_check` pauses it right after its first
    staleness check, so that another process can commit in between."""
    keep_output(folder)
    import sys

    from config.settings import load_settings
    from engine.errors import CareerHubError
    from service import matchruns
    from service.hub import HubService

    if race is not None:
        with race.startup:
            service = HubService(load_settings(database_url, actor))
    else:
        service = HubService(load_settings(database_url, actor))
    if before_save is not None:
        save = service.app.save

        def save_together(*aggregates: Any, **kwargs: Any) -> Any:
            service.app.save = save  # type: ignore[method-assign]  # only the first attempt waits
            before_save.wait()
            return save(*aggregates, **kwargs)

        service.app.save = save_together  # type: ignore[method-assign]
    if after_check is not None:
        check = matchruns.check_still_valid

        def check_then_pause(*args: Any, **kwargs: Any) -> None:
            matchruns.check_still_valid = check  # only the first check pauses
            check(*args, **kwargs)
            after_check.hold()

        matchruns.check_still_valid = check_then_pause
    try:
        if race is not None:
            race.barrier.wait()
        view = matchruns.accept(service, run_id, actor=actor, as_of_run=True)  # the run-day snapshot races
        print(f"accepted {len(view['accepted'])}")
    except CareerHubError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        service.close()


# --- running children ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    exitcode: int
    killed: bool
    seconds: float
    stdout: str
    stderr: str
    conflicts: int = 0


def start(ctx: ForkServerContext, folder: Path, target: Callable[..., None], *args: Any) -> BaseProcess:
    folder.mkdir(parents=True, exist_ok=True)
    process = ctx.Process(target=target, args=(str(folder), *args))
    process.start()
    return process


def finish(process: BaseProcess, folder: Path, started: float, kill_after: float | None = None) -> Outcome:
    """Wait for the process to end, or SIGKILL it once `kill_after` seconds have passed since `started`."""
    killed = False
    if kill_after is not None:
        process.join(max(0.0, started + kill_after - time.monotonic()))
        if process.is_alive():
            process.kill()
            killed = True
    process.join(RUN_TIMEOUT_S)
    if process.is_alive():
        process.kill()
        process.join()
        raise AssertionError(f"{folder}: still running after {RUN_TIMEOUT_S} s")
    seconds = time.monotonic() - started
    return Outcome(
        process.exitcode if process.exitcode is not None else KILLED,
        killed,
        seconds,
        said(folder / "stdout"),
        said(folder / "stderr"),
        len(said(folder / "conflicts").split()),
    )


def said(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def run(
    ctx: ForkServerContext, folder: Path, target: Callable[..., None], *args: Any, kill_after: float | None = None
) -> Outcome:
    """Run `target` in a fresh process to its end, or until killed `kill_after` seconds in."""
    started = time.monotonic()
    process = start(ctx, folder, target, *args)
    return finish(process, folder, started, kill_after)


def cli(
    ctx: ForkServerContext, folder: Path, *args: str, kill_after: float | None = None, env: dict[str, str] | None = None
) -> Outcome:
    return run(ctx, folder, run_cli, list(args), None, env, kill_after=kill_after)


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exitcode == 0, f"exit {outcome.exitcode}\n{outcome.stdout}\n{outcome.stderr}"
    return outcome
