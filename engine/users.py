"""People who sign in to the web UI: a User aggregate whose every change, sign-in and failed
sign-in is an event carrying who caused it. Sign-out bumps a session version that every request
checks, so a signed-out cookie is worthless even if someone kept a copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from engine.errors import InvalidValue
from engine.ids import record_id
from engine.topics import stabilise_topics

ROLES = ("hub_lead", "coordinator", "auditor", "admin")
SCOPED_ROLES = ("hub_lead", "coordinator", "auditor")  # may be limited to one hub
NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789._@-+")


def check_name(name: str) -> str:
    """The canonical (lower-case) user name, or an error saying what is wrong with it."""
    canonical = name.strip().lower()
    if not 1 <= len(canonical) <= 120 or not set(canonical) <= NAME_CHARACTERS:
        raise InvalidValue("name", f"user name {name!r}: use 1-120 letters, digits and . _ @ - +")
    return canonical


def check_role(role: str, hub_id: str | None) -> None:
    """A known role; only hub_lead, coordinator and auditor may be limited to a hub (a coordinator must be)."""
    if role not in ROLES:
        raise InvalidValue("role", f"role {role!r}: one of {', '.join(ROLES)}")
    if hub_id and role not in SCOPED_ROLES:
        raise InvalidValue("hub", f"the {role.replace('_', ' ')} role cannot be limited to a hub: leave the hub empty")
    if role == "coordinator" and not hub_id:
        raise InvalidValue("hub", "a coordinator works for one hub: say which")


class User(Aggregate):
    if TYPE_CHECKING:  # set by the events' apply(); see engine/records.py
        name: str
        role: str
        hub_id: str | None
        password_hash: str
        session_version: int
        failed_sign_ins: int

    class Added(Aggregate.Created):
        name: str
        role: str
        hub_id: str | None
        password_hash: str
        actor: str

        def apply(self, aggregate: User) -> None:
            aggregate.name = self.name
            aggregate.role = self.role
            aggregate.hub_id = self.hub_id
            aggregate.password_hash = self.password_hash
            aggregate.session_version = 1
            aggregate.failed_sign_ins = 0

    class PasswordChanged(Aggregate.Event):
        password_hash: str
        actor: str

        def apply(self, aggregate: User) -> None:
            aggregate.password_hash = self.password_hash
            aggregate.session_version += 1  # a new password ends every session opened with the old one

    class RoleGranted(Aggregate.Event):
        role: str
        hub_id: str | None
        actor: str

        def apply(self, aggregate: User) -> None:
            aggregate.role = self.role
            aggregate.hub_id = self.hub_id

    class SignedIn(Aggregate.Event):
        actor: str
        remote_addr: str | None

        def apply(self, aggregate: User) -> None:
            aggregate.failed_sign_ins = 0

    class SignInFailed(Aggregate.Event):
        name: str  # the account someone tried (the actor is unknown: the sign-in failed)
        actor: str
        remote_addr: str | None
        reason: str

        def apply(self, aggregate: User) -> None:
            aggregate.failed_sign_ins += 1

    class SessionsRevoked(Aggregate.Event):
        actor: str
        reason: str

        def apply(self, aggregate: User) -> None:
            aggregate.session_version += 1

    @staticmethod
    def id_for(name: str) -> UUID:
        return record_id("users", (name.strip().lower(),))

    @classmethod
    def add(cls, name: str, role: str, hub_id: str | None, password_hash: str, actor: str) -> User:
        name = check_name(name)
        check_role(role, hub_id)
        return cls._create(
            cls.Added, id=cls.id_for(name), name=name, role=role, hub_id=hub_id or None, password_hash=password_hash, actor=actor
        )

    def change_password(self, password_hash: str, actor: str) -> None:
        self.trigger_event(self.PasswordChanged, password_hash=password_hash, actor=actor)

    def grant_role(self, role: str, hub_id: str | None, actor: str) -> None:
        check_role(role, hub_id)
        self.trigger_event(self.RoleGranted, role=role, hub_id=hub_id or None, actor=actor)

    def record_sign_in(self, remote_addr: str | None) -> None:
        self.trigger_event(self.SignedIn, actor=self.name, remote_addr=remote_addr)

    def record_failed_sign_in(self, remote_addr: str | None, reason: str) -> None:
        self.trigger_event(self.SignInFailed, name=self.name, actor="anonymous", remote_addr=remote_addr, reason=reason)

    def revoke_sessions(self, actor: str, reason: str) -> None:
        self.trigger_event(self.SessionsRevoked, actor=actor, reason=reason)

    def describe(self) -> dict[str, Any]:
        """What a listing shows: never the password hash."""
        return {
            "name": self.name,
            "role": self.role,
            "hub_id": self.hub_id,
            "session_version": self.session_version,
            "failed_sign_ins": self.failed_sign_ins,
            "version": self.version,
        }


stabilise_topics(User, "User")
