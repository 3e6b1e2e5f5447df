"""Real careerhub processes to kill and to race.

Each process is forked from a multiprocessing fork server that has already imported careerhub, so a
SIGKILL lands in the work (opening the store, parsing, saving, catching up) rather than in Python's
start-up, and fifty kills cost seconds, not minutes. The child runs the real `careerhub` command
(`cli.main`) or a service function, with its standard output and error kept in files.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

PRELOAD = ["cli", "service.hub", "service.matchruns", "engine.verify", "projections.runner",
           "tests.robustness.harness", "tests.robustness.forkserver_preload"]
RUN_TIMEOUT_S = 300.0
KILLED = -9


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


# --- what a child runs ---------------------------------------------------------------------------

def keep_output(folder: str) -> None:
    """Point this process's standard output and error at files in `folder`."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        target = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)


def run_cli(folder: str, args: list[str], barrier: Barrier | None = None) -> None:
    """`careerhub ARGS` in this process; the exit status is the command's."""
    keep_output(folder)
    from cli import main

    if barrier is not None:
        barrier.wait()
    main(args, prog_name="careerhub")


def run_accept(folder: str, database_url: str, run_id: str, actor: str, barrier: Barrier | None = None,
               before_save: Barrier | None = None) -> None:
    """service.matchruns.accept in this process, reporting as the `careerhub match accept` command does.

    `before_save`, when given, holds every racer after its staleness check until all are there: the
    two accepts then save at the same moment, which is the race a real pair of coordinators can hit."""
    keep_output(folder)
    import sys

    from config.settings import load_settings
    from engine.errors import CareerHubError
    from service import matchruns
    from service.hub import HubService

    service = HubService(load_settings(database_url, actor))
    if before_save is not None:
        save = service.app.save

        def save_together(*aggregates: Any, **kwargs: Any) -> Any:
            service.app.save = save  # type: ignore[method-assign]  # only the first attempt waits
            before_save.wait()
            return save(*aggregates, **kwargs)

        service.app.save = save_together  # type: ignore[method-assign]
    try:
        if barrier is not None:
            barrier.wait()
        view = matchruns.accept(service, run_id, actor=actor)
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
    return Outcome(process.exitcode if process.exitcode is not None else KILLED, killed, seconds,
                   said(folder / "stdout"), said(folder / "stderr"))


def said(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def run(ctx: ForkServerContext, folder: Path, target: Callable[..., None], *args: Any,
        kill_after: float | None = None) -> Outcome:
    """Run `target` in a fresh process to its end, or until killed `kill_after` seconds in."""
    started = time.monotonic()
    process = start(ctx, folder, target, *args)
    return finish(process, folder, started, kill_after)


def cli(ctx: ForkServerContext, folder: Path, *args: str, kill_after: float | None = None) -> Outcome:
    return run(ctx, folder, run_cli, list(args), kill_after=kill_after)


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exitcode == 0, f"exit {outcome.exitcode}\n{outcome.stdout}\n{outcome.stderr}"
    return outcome
