"""The matcher's errors: bad input, impossible pins, and results that break a rule."""

from __future__ import annotations


class MatchingError(Exception):
    """Base of every error the matcher raises."""


class SnapshotError(MatchingError, ValueError):
    """The snapshot itself is malformed (duplicate keys, out-of-range values)."""


class PinError(MatchingError, ValueError):
    """A pinned pair breaks a hard rule; the message names the pin and the rule."""


class InvalidResultError(MatchingError, RuntimeError):
    """The solver produced proposals that break a hard rule: a bug, never shown to users."""
