"""Users are events too: the User aggregate, the user commands, `careerhub users`, and
`careerhub demo` / `serve` (without blocking on a real server)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from config.settings import load_settings
from engine.errors import CareerHubError
from engine.ids import record_id
from engine.users import User
from service.hub import HubService
from service.users import Users
from tests.web.factories import CHEAP_HASHER, load_hubs, sign_in


@pytest.fixture
def users(database_url: str):
    service = HubService(load_settings(database_url, "tester"))
    load_hubs(service)
    yield Users(service, CHEAP_HASHER)
    service.close()


def test_a_users_id_is_the_uuid5_of_the_lowercased_name():
    user = User.add(" Alice ", "admin", None, "hash", "root")
    assert user.id == record_id("users", ("alice",)) == User.id_for("ALICE")
    assert (user.name, user.role, user.hub_id, user.session_version) == ("alice", "admin", None, 1)


@pytest.mark.parametrize(
    "role,hub,message",
    [
        ("boss", None, "one of hub_lead, coordinator, auditor, admin"),
        ("admin", "dorset", "cannot be limited to a hub"),
        ("coordinator", None, "works for one hub"),
    ],
)
def test_roles_are_checked(role, hub, message):
    with pytest.raises(CareerHubError, match=message):
        User.add("bob", role, hub, "hash", "root")


def test_event_topics_are_stable():
    assert User.TOPIC == "careerhub:User"
    assert User.SessionsRevoked.TOPIC == "careerhub:User.SessionsRevoked"


def test_a_user_signs_in_and_out_and_each_step_is_an_event(users):
    users.add_user("Lead", "hub_lead", "dorset", "a long password", "admin")
    assert users.authenticate("lead", "not the password", "10.0.0.1") is None
    account = users.authenticate("LEAD", "a long password", "10.0.0.1")
    assert account is not None and account.session_version == 1
    assert users.revoke_sessions("lead", "lead").session_version == 2
    assert users.current("lead").session_version == 2
    log = users.service.db.query("SELECT event, actor FROM rm_log WHERE kind = 'User' ORDER BY nid")
    assert [(r["event"], r["actor"]) for r in log] == [
        ("Added", "admin"),
        ("SignInFailed", "anonymous"),
        ("SignedIn", "lead"),
        ("SessionsRevoked", "lead"),
    ]


def test_a_new_password_ends_the_old_sessions(users):
    users.add_user("lead", "hub_lead", "dorset", "a long password", "admin")
    account = users.change_password("lead", "another long password", "admin")
    assert account.session_version == 2
    assert users.authenticate("lead", "a long password", None) is None
    assert users.authenticate("lead", "another long password", None) is not None


def test_adding_checks_the_password_the_hub_and_duplicates(users):
    with pytest.raises(CareerHubError, match="at least 10 characters"):
        users.add_user("x", "auditor", None, "short", "admin")
    with pytest.raises(CareerHubError, match="no hub 'atlantis'"):
        users.add_user("x", "auditor", "atlantis", "a long password", "admin")
    users.add_user("x", "auditor", None, "a long password", "admin")
    with pytest.raises(CareerHubError, match="already exists"):
        users.add_user("X", "admin", None, "a long password", "admin")


def test_the_list_never_shows_a_password_hash(users):
    users.add_user("b", "auditor", "dorset", "a long password", "admin")
    users.add_user("a", "admin", None, "a long password", "admin")
    listed = users.list_users()
    assert [(u["name"], u["role"], u["hub_id"]) for u in listed] == [("a", "admin", None), ("b", "auditor", "dorset")]
    assert "argon2" not in json.dumps(listed)


def test_careerhub_users_add_and_list(sqlite_url):
    from cli.users import users as users_command

    runner = CliRunner()
    result = runner.invoke(
        users_command,
        ["add", "Carol", "--role", "auditor", "--password-stdin", "--database-url", sqlite_url, "--actor", "root"],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "added user carol (auditor)"
    result = runner.invoke(
        users_command,
        ["add", "carol", "--role", "auditor", "--password-stdin", "--database-url", sqlite_url],
        input="a long password\n",
    )
    assert result.exit_code == 1 and "already exists" in result.output
    result = runner.invoke(users_command, ["list", "--format", "json", "--database-url", sqlite_url])
    assert [u["name"] for u in json.loads(result.output)] == ["carol"]


def test_careerhub_demo_loads_the_hub_and_prints_a_sign_in_per_role(sqlite_url):
    pytest.importorskip("service.demo", reason="service/demo.py (the demo hub) is not in this checkout")
    from cli.web import demo

    result = CliRunner().invoke(demo, ["--database-url", sqlite_url, "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "demo hub loaded" in result.output
    signs = {line.split()[0]: line.split()[-1] for line in result.output.splitlines() if "password:" in line}
    assert set(signs) == {"lead@dorset", "coordinator@dorset", "auditor@dorset", "admin"}
    service = HubService(load_settings(sqlite_url, "t"))
    try:
        assert Users(service).authenticate("lead@dorset", signs["lead@dorset"], None).hub_id == "dorset"
    finally:
        service.close()
    again = CliRunner().invoke(demo, ["--database-url", sqlite_url, "--no-serve"])
    assert "was not loaded again" in again.output


def test_careerhub_serve_runs_one_gunicorn_process_on_localhost_8000_by_default(sqlite_url, monkeypatch):
    import cli.web

    served = {}
    monkeypatch.setattr(cli.web.ServeProcesses, "run", lambda self: served.update(self.options, app=self.load()))
    result = CliRunner().invoke(cli.web.serve, ["--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert (served["bind"], served["workers"], served["worker_class"]) == ("127.0.0.1:8000", 1, "gthread")
    assert "keepalive" not in served  # one process: a browser's kept-alive connection costs nothing to share
    assert served["app"].name == "web"
    assert "with 1 process " in result.output


def test_careerhub_serve_with_several_workers_closes_each_connection(sqlite_url, monkeypatch):
    import cli.web

    served = {}
    monkeypatch.setattr(cli.web.ServeProcesses, "run", lambda self: served.update(self.options))
    result = CliRunner().invoke(cli.web.serve, ["--database-url", sqlite_url, "--workers", "3", "--threads", "2"])
    assert result.exit_code == 0, result.output
    assert (served["workers"], served["threads"], served["keepalive"]) == (3, 2, 0)
    assert "with 3 processes " in result.output


def test_careerhub_demo_serves_the_loaded_hub_in_one_process(sqlite_url, monkeypatch):
    pytest.importorskip("service.demo", reason="service/demo.py (the demo hub) is not in this checkout")
    import cli.web

    served = {}
    monkeypatch.setattr(cli.web.ServeProcesses, "run", lambda self: served.update(self.options, app=self.load()))
    result = CliRunner().invoke(cli.web.demo, ["--database-url", sqlite_url, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (served["bind"], served["workers"]) == ("127.0.0.1:8123", 1)
    password = next(line.split()[-1] for line in result.output.splitlines() if line.strip().startswith("lead@dorset"))
    lead = sign_in(served["app"], "lead@dorset", password)
    assert lead.get("/dashboard/dorset").status_code == 200


def test_careerhub_demo_load_still_only_loads(sqlite_url):
    pytest.importorskip("service.demo", reason="service/demo.py (the demo hub) is not in this checkout")
    from cli.web import demo

    result = CliRunner().invoke(demo, ["load", "--database-url", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "demo loaded" in result.output and "password:" not in result.output
