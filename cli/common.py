"""Options and error handling shared by every command."""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click
from eventsourcing.persistence import PersistenceError

from config.calendar import check_academic_year
from config.settings import load_settings
from config.values import parse_day, parse_knowledge_point, parse_whole_number
from engine.errors import CareerHubError, InvalidValue
from service.hub import HubService

# The option that gives each field an InvalidValue names (engine/errors.py); a page marks its form field.
OPTIONS = {"hub": "--hub", "role": "--role", "pin": "--pin", "forbid": "--forbid"}


def command_line_words(error: CareerHubError) -> str:
    """The error as the command line says it: a wrong value is named by its option."""
    option = OPTIONS.get(error.field) if isinstance(error, InvalidValue) else None
    return f"{option}: {error}" if option else str(error)


class CareerHubGroup(click.Group):
    """Turns careerhub's own errors, and a database's (a file damaged after it opened), into one clear
    line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CareerHubError as error:
            raise click.ClickException(command_line_words(error)) from None
        except (PersistenceError, sqlite3.DatabaseError) as error:
            raise click.ClickException(f"the database failed: {error}") from None


def with_service(
    command: Callable[..., Any] | None = None, *, writes: bool = False, creates: bool = True, replica: bool = True
) -> Any:
    """Adds --database-url, --read-database-url (unless `replica` is false: the command reads the primary
    only) and --actor for commands that record events, and passes an open HubService as `service`; a
    store that does not exist yet is created, unless `creates` is false."""
    if command is None:
        return functools.partial(with_service, writes=writes, creates=creates, replica=replica)

    @functools.wraps(command)
    def wrapper(database_url: str | None, actor: str | None = None, read_database_url: str | None = None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if isinstance(ctx.command, click.Group) and ctx.invoked_subcommand:
            return None  # the subcommand opens the store itself, with its own options
        try:
            settings = load_settings(database_url, actor, read_database_url)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--actor") from None
        if not replica:
            settings = dataclasses.replace(settings, read_database_url=None)
        service = HubService(settings, create=creates)
        try:
            with service.reading():  # one read handle for the command: its answers read one state
                return command(service=service, **kwargs)
        finally:
            service.close()

    if writes:
        wrapper = click.option("--actor", default=None, help="Who records the events (default: CAREERHUB_ACTOR or the OS user).")(
            wrapper
        )
    if replica:
        wrapper = READ_DATABASE_URL(wrapper)
    return click.option(
        "--database-url",
        envvar="CAREERHUB_DATABASE_URL",
        default=None,
        help="Event store URL (sqlite:///path or postgresql://user:pw@host:port/db).",
    )(wrapper)


READ_DATABASE_URL = click.option(
    "--read-database-url",
    envvar="CAREERHUB_READ_DATABASE_URL",
    default=None,
    help="A streaming replica of the PostgreSQL store that answers reads at or beyond the log position they need"
    " (else the store does); writes always go to --database-url.",
)


class Parsed(click.ParamType):
    """An option read by one of config.values' parsers (the web reads its fields with the same ones);
    what the parser refuses is a usage error."""

    def __init__(self, name: str, parse: Callable[[str], Any]):
        self.name, self.parse = name, parse

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value  # a default, already a value
        try:
            return self.parse(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


# Every option naming a moment of record time (--known-at, --since, ...) also takes a log position: @957.
DAY, MOMENT = Parsed("YYYY-MM-DD", parse_day), Parsed("DATETIME|@POSITION", parse_knowledge_point)
KNOWN_AT = click.option(
    "--known-at",
    type=MOMENT,
    default=None,
    help="Record time: only what had been recorded by then — a time (UTC if no offset) or @POSITION"
    " (see `careerhub transactions`).",
)
WHOLE_NUMBER = Parsed("N", parse_whole_number)
ACADEMIC_YEAR = Parsed("YYYY/YY", check_academic_year)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def echo_table(rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> None:
    columns = list(columns)
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def fail(message: str) -> None:
    raise CareerHubError(message)
