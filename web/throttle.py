"""Sign-in throttling: after repeated failures, an account name (from one address) and an address
(for any name) wait before they may try again, so passwords cannot be guessed at speed. The counts
live in the database (engine/throttling.py), shared by every web process over the store."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.throttling import Quota, Reservation, SignInAttempts

WINDOW = timedelta(minutes=15)
PER_NAME_AND_ADDRESS = 5
PER_ADDRESS = 20


def name_key(name: str, address: str | None) -> str:
    return f"name\x1f{name.lower()}\x1f{address or ''}"


def address_key(address: str | None) -> str:
    return f"address\x1f{address or ''}"


class SignInThrottle:
    def __init__(self, attempts: SignInAttempts) -> None:
        self.attempts = attempts

    def reserve(self, name: str, address: str | None, now: datetime) -> Reservation:
        """Count this attempt as a failure until it succeeds; or say how long it must wait.
        Counted before the password check, so that attempts arriving together are all counted."""
        quotas = [Quota(name_key(name, address), PER_NAME_AND_ADDRESS), Quota(address_key(address), PER_ADDRESS)]
        return self.attempts.reserve(quotas, now, WINDOW)

    def succeeded(self, reservation: Reservation, name: str, address: str | None) -> None:
        """A success is no failure, and clears the failures of this name from this address."""
        if reservation.attempt:
            self.attempts.forgive(reservation.attempt, name_key(name, address))
