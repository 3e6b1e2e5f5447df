"""Running careerhub commands as real processes for the deployment tests: the projection worker and
web servers, each with its output in a file the test reads, stopped (or killed) by their process id."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
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
        process = subprocess.Popen([CAREERHUB, *args], stdout=sink, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
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


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Answer:
    status: int
    body: str
    location: str | None


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 302 comes back as it is: where it points is part of what a test checks


class Browser:
    """One person's browser over real HTTP: keeps cookies for 127.0.0.1 whatever the port, as a
    browser does, so a cookie set by one serve process goes to the next."""

    def __init__(self, cookies: dict[str, str] | None = None):
        self.cookies = dict(cookies or {})
        self.opener = urllib.request.build_opener(NoRedirects)

    def get(self, url: str) -> Answer:
        return self.send(urllib.request.Request(url))

    def post(self, url: str, form: dict[str, str]) -> Answer:
        return self.send(urllib.request.Request(url, data=urllib.parse.urlencode(form).encode()))

    def send(self, request: urllib.request.Request) -> Answer:
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=HANG_GUARD_SECONDS)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            self.keep_cookies(response.headers.get_all("Set-Cookie") or [])
            return Answer(response.status, response.read().decode(errors="replace"), response.headers.get("Location"))

    def keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            name, _, value = header.split(";")[0].partition("=")
            if value and "Expires=Thu, 01 Jan 1970" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)

    def sign_in(self, base: str, name: str, password: str) -> Answer:
        token = csrf_token(self.get(f"{base}/auth/sign-in").body)
        return self.post(f"{base}/auth/sign-in", {"csrf_token": token, "name": name, "password": password})


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)
