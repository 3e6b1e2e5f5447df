"""Errors a user can act on; each names where the problem is."""

from __future__ import annotations


class CareerHubError(Exception):
    """Base of every error careerhub reports to a user (exit status 1, message on stderr)."""


class ImportRejected(CareerHubError):
    """A file was rejected; nothing of it was recorded."""

    def __init__(self, file: str, line: int | None, column: str | None, reason: str):
        self.file, self.line, self.column, self.reason = file, line, column, reason
        where = file + (f", line {line}" if line else "") + (f", column {column}" if column else "")
        super().__init__(f"{where}: {reason}")


class UnknownRecordError(CareerHubError):
    """A command named a record that does not exist."""


class ConcurrencyError(CareerHubError):
    """Another writer kept changing the same records; the command was not applied."""


class StaleRunError(CareerHubError):
    """A match run's inputs changed since it was proposed."""


class OutOfScope(ImportRejected):
    """A user limited to one hub tried to import rows of another hub or area."""


class OutOfScopeRecord(CareerHubError):
    """A user limited to one hub tried to change a record of another hub or area."""


class InvalidValue(CareerHubError):
    """A value a person gave is wrong. `field` names which in careerhub's own words (hub, role, name,
    password, pin, forbid): the command line says it as its option, a page marks its form field, and
    the message itself speaks of neither."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)
