"""Running careerhub commands as real processes for the deployment tests: the projection worker and
web servers, each with its output in a file the test reads, stopped (or killed) by their process id."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CAREERHUB = str(Path(sys.executable).parent / "careerhub")
# A guard against a hang, not a measurement: a condition that never comes true fails the test after this.
HANG_GUARD_SECONDS = 120
APPLIED = re.compile(r"applied log positions (\d+)-(\d+) \((\d+) events\)")


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still not so after {HANG_GUARD_SECONDS} s")
        time.sleep(0.02)


def careerhub_env(database_url: str, **settings: str) -> dict[str, str]:
    """This environment without any CAREERHUB_* of the developer's, plus the store and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREERHUB_")}
    return {**env, "CAREERHUB_DATABASE_URL": database_url, **settings}


@dataclass
class Running:
    process: subprocess.Popen
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def applied_ranges(self) -> list[tuple[int, int]]:
        """The batches a worker logged, in order: (first position, last position)."""
        return [(int(a), int(b)) for a, b, _ in APPLIED.findall(self.text())]

    def stop(self) -> int:
        """SIGTERM, as a process manager stops a service; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=HANG_GUARD_SECONDS)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=HANG_GUARD_SECONDS)


@contextmanager
def running(args: list[str], env: dict[str, str], output: Path) -> Iterator[Running]:
    with output.open("ab") as sink:
        process = subprocess.Popen([CAREERHUB, *args], stdout=sink, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL)
    started = Running(process, output)
    try:
        yield started
    finally:
        if process.poll() is None:
            started.stop()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
