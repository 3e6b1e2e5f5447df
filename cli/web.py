"""`careerhub serve` (the web UI under waitress) and `careerhub demo` (demo hub, demo users, serve)."""
from __future__ import annotations

import secrets

import click
import waitress
from flask import Flask

from cli.demo import learners as load_learners
from cli.demo import load as load_only
from config.settings import load_settings
from service.demo import load_demo
from service.hub import HubService
from service.users import Users
from web import create_app

DEMO_HUB = "dorset"
DEMO_USERS = (("lead@dorset", "hub_lead", DEMO_HUB), ("coordinator@dorset", "coordinator", DEMO_HUB),
              ("auditor@dorset", "auditor", DEMO_HUB), ("admin", "admin", None))


def server_options(command: click.Command) -> click.Command:
    for option in reversed((
        click.option("--database-url", envvar="CAREERHUB_DATABASE_URL", default=None,
                     help="Event store URL (sqlite:///path or postgresql://user:pw@host:port/db)."),
        click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
        click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535)),
        click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64)),
        click.option("--trusted-proxy", default=None,
                     help="Address of a reverse proxy whose X-Forwarded-* headers (HTTPS) are believed."),
    )):
        command = option(command)
    return command


def run_server(app: Flask, host: str, port: int, threads: int, trusted_proxy: str | None) -> None:
    options = {}
    if trusted_proxy:
        options = {"trusted_proxy": trusted_proxy,
                   "trusted_proxy_headers": "x-forwarded-proto x-forwarded-for x-forwarded-host x-forwarded-port"}
    click.echo(f"careerhub is serving on http://{host}:{port}/ (Ctrl+C stops it)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="careerhub", **options)


@click.command()
@server_options
def serve(database_url: str | None, host: str, port: int, threads: int, trusted_proxy: str | None) -> None:
    """Serve the web UI with waitress (set CAREERHUB_SECRET_KEY so sessions survive a restart)."""
    run_server(create_app(load_settings(database_url)), host, port, threads, trusted_proxy)


def demo_users(service: HubService) -> list[tuple[str, str, str]]:
    """One user per role (hub dorset, the admin for all hubs), each with a fresh printed password."""
    users, actor = Users(service), service.settings.actor
    signed = []
    for name, role, hub_id in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        if users.current(name) is None:
            users.add_user(name, role, hub_id, password, actor)
        else:
            users.change_password(name, password, actor)
        signed.append((name, role, password))
    return signed


def load_demo_hub(service: HubService) -> None:
    # None keeps each demo step's own actor (the hub lead, the coordinators, the funding panel).
    if load_demo(service, None, echo=click.echo):
        click.echo("demo hub loaded")
    else:
        click.echo("the store already holds data: the demo hub was not loaded again")


@click.group("demo", invoke_without_command=True)
@server_options
@click.option("--no-serve", is_flag=True, help="Load the demo and create the users, then stop.")
@click.pass_context
def demo(ctx: click.Context, database_url: str | None, host: str, port: int, threads: int,
         trusted_proxy: str | None, no_serve: bool) -> None:
    """Load the demo hub (if the store is empty), create demo users (one per role) and serve.

    `careerhub demo load` only loads the demo hub."""
    if ctx.invoked_subcommand is not None:
        return
    app = create_app(load_settings(database_url))
    service = app.extensions["careerhub"].hub
    load_demo_hub(service)
    click.echo(f"\nSign in at http://{host}:{port}/ as:")
    for name, role, password in demo_users(service):
        click.echo(f"  {name:<20} {role:<12} password: {password}")
    if not no_serve:
        run_server(app, host, port, threads, trusted_proxy)


demo.add_command(load_only)
demo.add_command(load_learners)
