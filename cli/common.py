"""Options and error handling shared by every command."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any

import click

from config.settings import load_settings
from engine.errors import CareerHubError
from service.hub import HubService


class CareerHubGroup(click.Group):
    """Turns careerhub's own errors into one clear line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CareerHubError as error:
            raise click.ClickException(str(error)) from None


def with_service(command: Callable[..., Any] | None = None, *, writes: bool = False) -> Any:
    """Adds --database-url (and --actor for commands that record events) and passes an open
    HubService as `service`."""
    if command is None:
        return functools.partial(with_service, writes=writes)

    @functools.wraps(command)
    def wrapper(database_url: str | None, actor: str | None = None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if isinstance(ctx.command, click.Group) and ctx.invoked_subcommand:
            return None  # the subcommand opens the store itself, with its own options
        try:
            settings = load_settings(database_url, actor)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--actor") from None
        service = HubService(settings)
        try:
            return command(service=service, **kwargs)
        finally:
            service.close()

    if writes:
        wrapper = click.option("--actor", default=None,
                               help="Who records the events (default: CAREERHUB_ACTOR or the OS user).")(wrapper)
    return click.option("--database-url", envvar="CAREERHUB_DATABASE_URL", default=None,
                        help="Event store URL (sqlite:///path or postgresql://user:pw@host:port/db).")(wrapper)


class Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


class Moment(click.ParamType):
    name = "DATETIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time (e.g. 2020-02-02T09:00:00Z)", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


DAY, MOMENT = Day(), Moment()


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def echo_table(rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> None:
    columns = list(columns)
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def fail(message: str) -> None:
    raise CareerHubError(message)
