"""`careerhub users`: the people who may sign in to the web UI, and their roles."""

from __future__ import annotations

import sys

import click

from cli.common import CareerHubGroup, echo_json, echo_table, with_service
from engine.users import ROLES
from service.hub import HubService
from service.users import Users


@click.group(cls=CareerHubGroup)
def users() -> None:
    """Add and list web users (every change is an event with its actor)."""


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--hub", "hub_id", default=None, help="Limit a hub_lead, coordinator or auditor to this hub.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@with_service(writes=True)
def add(service: HubService, name: str, role: str, hub_id: str | None, password_stdin: bool) -> None:
    """Add user NAME with a role (the password is asked for, or read with --password-stdin)."""
    account = Users(service).add_user(name, role, hub_id, read_password(password_stdin), service.settings.actor)
    scope = f" for hub {account.hub_id}" if account.hub_id else ""
    click.echo(f"added user {account.name} ({account.role}{scope})")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@with_service
def list_command(service: HubService, fmt: str) -> None:
    """Every user with role, hub and sign-in standing (never a password hash)."""
    rows = Users(service).list_users()
    if fmt == "json":
        echo_json(rows)
    else:
        echo_table(rows, ("name", "role", "hub_id", "failed_sign_ins", "session_version"))
