"""`careerhub serve` (the web UI in gunicorn processes) and `careerhub demo` (demo hub, demo users, serve)."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import click
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from cli.common import READ_DATABASE_URL
from cli.demo import learners as load_learners
from cli.demo import load as load_only
from config.settings import Settings, load_settings
from service.demo import load_demo
from service.hub import HubService
from service.users import Users
from web import create_app

CommandFunction = TypeVar("CommandFunction", bound=Callable[..., Any])  # decorated before click.command() makes it a Command
DEMO_HUB = "dorset"
DEMO_USERS = (
    ("lead@dorset", "hub_lead", DEMO_HUB),
    ("coordinator@dorset", "coordinator", DEMO_HUB),
    ("auditor@dorset", "auditor", DEMO_HUB),
    ("admin", "admin", None),
)


def server_options(command: CommandFunction) -> CommandFunction:
    for option in reversed(
        (
            click.option(
                "--database-url",
                envvar="CAREERHUB_DATABASE_URL",
                default=None,
                help="Event store URL (sqlite:///path or postgresql://user:pw@host:port/db).",
            ),
            READ_DATABASE_URL,
            click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
            click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535)),
            click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64)),
            click.option(
                "--trusted-proxy",
                default=None,
                help="Address of a reverse proxy whose X-Forwarded-* headers (HTTPS) are believed.",
            ),
        )
    ):
        command = option(command)
    return command


def prepare_store(settings: Settings) -> None:
    """Create the store, its tables and the shared signing key, and bring the read model up to date,
    once, before the processes start: N processes opening a new store at once collide on creating it."""
    create_app(settings).extensions["careerhub"].hub.close()


class ServeProcesses(BaseApplication):
    """gunicorn: one listening socket, N worker processes that it restarts if one dies. Each process
    builds its own app after the fork, so no database connection crosses a fork; everything they
    share lives in the database (sessions' signing key, sign-in throttle, users' session versions)."""

    def __init__(self, settings: Settings, trusted_proxy: str | None, options: dict[str, Any]):
        self.settings, self.trusted_proxy, self.options = settings, trusted_proxy, options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        return behind_proxy(create_app(self.settings), self.trusted_proxy)


def behind_proxy(app: Any, trusted_proxy: str | None) -> Any:
    """The proxy's X-Forwarded-* headers (client address, HTTPS), believed from that address only: the
    sign-in throttle counts the client's address, not the proxy's."""
    if not trusted_proxy:
        return app
    fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return (fixed if environ.get("REMOTE_ADDR") == trusted_proxy else app)(environ, start_response)

    return wsgi


def run_processes(settings: Settings, host: str, port: int, workers: int, threads: int, trusted_proxy: str | None) -> None:
    prepare_store(settings)
    processes = "1 process" if workers == 1 else f"{workers} processes"
    click.echo(f"careerhub is serving on http://{host}:{port}/ with {processes} (Ctrl+C stops it)")
    ServeProcesses(
        settings,
        trusted_proxy,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            # A kept-alive connection stays with the process that accepted it, and a busy client's connections
            # were seen to pile onto one process of four. Closed after each answer, the next request goes to
            # whichever process accepts first, which is one that is free. One process keeps gunicorn's default.
            **({"keepalive": 0} if workers > 1 else {}),
            "forwarded_allow_ips": "",  # behind_proxy decides whom to believe
            "accesslog": None,
            "errorlog": "-",
            "proc_name": "careerhub",
            "control_socket_disable": True,  # one fixed path per user: a second careerhub would collide on it
        },
    ).run()


@click.command()
@server_options
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web processes (gunicorn), each with --threads threads.",
)
@click.option(
    "--worker-follows",
    is_flag=True,
    help="A projection worker (`careerhub projections run`) keeps the read model caught up:"
    " requests read it as it is (as CAREERHUB_PROJECTION_WORKER=1).",
)
def serve(
    database_url: str | None,
    read_database_url: str | None,
    host: str,
    port: int,
    threads: int,
    trusted_proxy: str | None,
    workers: int,
    worker_follows: bool,
) -> None:
    """Serve the web UI: `--workers N` gunicorn processes (one by default) on one port.
    Sessions are signed with CAREERHUB_SECRET_KEY, or else with a key kept in the store, the same
    for every process and across restarts."""
    settings = load_settings(database_url, read_database_url=read_database_url)
    if worker_follows:
        settings = dataclasses.replace(settings, projection_worker=True)
    run_processes(settings, host, port, workers, threads, trusted_proxy)


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
def demo(
    ctx: click.Context,
    database_url: str | None,
    read_database_url: str | None,
    host: str,
    port: int,
    threads: int,
    trusted_proxy: str | None,
    no_serve: bool,
) -> None:
    """Load the demo hub (if the store is empty), create demo users (one per role) and serve.

    `careerhub demo load` only loads the demo hub."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings(database_url, read_database_url=read_database_url)
    service = create_app(settings).extensions["careerhub"].hub
    try:
        load_demo_hub(service)
        click.echo(f"\nSign in at http://{host}:{port}/ as:")
        for name, role, password in demo_users(service):
            click.echo(f"  {name:<20} {role:<12} password: {password}")
    finally:
        service.close()
    if not no_serve:
        run_processes(settings, host, port, 1, threads, trusted_proxy)


demo.add_command(load_only)
demo.add_command(load_learners)
