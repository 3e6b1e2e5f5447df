"""Several web processes over one PostgreSQL, with the projection worker, over real HTTP on 127.0.0.1:
what one process does to a session or to the sign-in throttle holds in the others, because all of it
lives in the database (the session-signing key, the throttle's counts, users' session versions)."""

from __future__ import annotations

from http.client import HTTPConnection
from pathlib import Path

from config.settings import Settings
from service.hub import HubService
from service.users import Users
from tests.deployment.processes import Browser, answers, careerhub_env, csrf_token, eventually, free_port, running
from web.throttle import PER_NAME_AND_ADDRESS

PASSWORD = "a long enough password"


def store_with_admin(database_url: str) -> None:
    service = HubService(Settings(database_url=database_url, actor="tester"))
    Users(service).add_user("admin", "admin", None, PASSWORD, "tester")
    service.close()


def serve(database_url: str, folder: Path, name: str, *options: str):
    """`careerhub serve` on a free loopback port, reading the read model as the worker leaves it.
    No CAREERHUB_SECRET_KEY: the processes must find the one key in the store."""
    port = free_port()
    return port, running(
        ["serve", "--worker-follows", "--port", str(port), *options], careerhub_env(database_url), folder / f"{name}.log"
    )


def test_a_sign_out_and_a_throttle_in_one_serve_process_hold_in_the_other(postgres_url, tmp_path):
    store_with_admin(postgres_url)
    (port_a, serve_a), (port_b, serve_b) = serve(postgres_url, tmp_path, "a"), serve(postgres_url, tmp_path, "b")
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    with running(["projections", "run"], careerhub_env(postgres_url), tmp_path / "worker.log"), serve_a, serve_b:
        eventually(lambda: answers(f"{a}/auth/sign-in") and answers(f"{b}/auth/sign-in"), "both serve processes answer")

        admin = Browser()
        assert admin.sign_in(a, "admin", PASSWORD).status == 302
        assert admin.get(f"{b}/auth/users").status == 200  # a session begun in A is good in B
        copied = Browser(admin.cookies)  # the same cookie, kept elsewhere (another tab, or a thief)
        token = csrf_token(admin.get(f"{a}/auth/users").body)
        signed_out = admin.post(f"{a}/auth/sign-out", {"csrf_token": token})
        assert signed_out.status == 302 and "/auth/sign-in" in (signed_out.location or "")
        refused = copied.get(f"{b}/auth/users")  # ended in A, on the server: B refuses the copy
        assert refused.status == 302 and "/auth/sign-in" in (refused.location or "")

        guesser = Browser()
        for _ in range(PER_NAME_AND_ADDRESS):
            assert guesser.sign_in(a, "admin", "a wrong password!").status == 401
        assert guesser.sign_in(b, "admin", PASSWORD).status == 429  # B counts A's failures: even the right one waits
        assert Browser().sign_in(a, "admin", PASSWORD).status == 429


def test_serve_workers_runs_several_processes_that_share_one_session(postgres_url, tmp_path):
    store_with_admin(postgres_url)
    port, server = serve(postgres_url, tmp_path, "gunicorn", "--workers", "2", "--threads", "2")
    base = f"http://127.0.0.1:{port}"
    with running(["projections", "run"], careerhub_env(postgres_url), tmp_path / "worker.log"), server as started:
        eventually(lambda: answers(f"{base}/auth/sign-in"), "the server answers")
        assert len(children(started.process.pid)) == 2
        admin = Browser()
        assert admin.sign_in(base, "admin", PASSWORD).status == 302
        # Each request goes to whichever process accepts it first; every one must know the session.
        assert {admin.get(f"{base}/auth/users").status for _ in range(20)} == {200}
        # A client that keeps its connection open is not tied to one process: each answer closes it.
        client = HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(3):
            client.request("GET", "/auth/sign-in")
            answer = client.getresponse()
            answer.read()
            assert (answer.status, answer.getheader("Connection")) == (200, "close")
        client.close()
        assert started.stop() == 0


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while we looked
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
