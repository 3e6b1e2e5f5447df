"""User commands and queries shared by the web UI and `careerhub users`: add, sign in, sign out
(revoke sessions), change password or role, and the signed-in user's current standing."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from engine.errors import CareerHubError, InvalidValue
from engine.users import User, check_name
from projections.audit import aggregate_ids
from projections.queries import as_known, known_rows
from service.hub import HubService

MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Account:
    """A user as the web sees it: never the password hash."""

    name: str
    role: str
    hub_id: str | None
    session_version: int


def account_of(user: User) -> Account:
    """The web's view of a user aggregate."""
    return Account(user.name, user.role, user.hub_id, user.session_version)


def check_password(password: str) -> None:
    """A password long enough to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue("password", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


class Users:
    """The user commands over one HubService, with a small cache of current accounts (every web
    request checks its session against the account, so the check must be cheap)."""

    def __init__(self, service: HubService, hasher: PasswordHasher | None = None):
        self.service = service
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash = self.hasher.hash("not a password of anyone")
        self._cache: dict[UUID, tuple[int, Account]] = {}
        self._lock = threading.Lock()

    @property
    def app(self):
        return self.service.app

    def _load(self, name: str) -> User | None:
        try:
            return self.app.repository.get(User.id_for(name))
        except AggregateNotFoundError:
            return None

    def _require(self, name: str) -> User:
        user = self._load(name)
        if user is None:
            raise CareerHubError(f"no user {name!r}")
        return user

    def _change(self, name: str, change) -> Account:
        """Load the user, apply `change`, save; retried if another writer got there first."""
        latest: list[User] = []

        def plan() -> list[User]:
            user = self._require(name)
            change(user)
            latest[:] = [user]
            return [user]

        self.app.save_with_retry(plan)
        self.service.catch_up_with_log()
        return account_of(latest[0])

    def check_hub(self, hub_id: str | None) -> None:
        """A user may only be limited to a hub that is known."""
        if not hub_id:
            return
        self.service.catch_up_with_log()  # a hub imported a moment ago is known
        if not known_rows(as_known(self.service.db, None), "hubs", "hub_id = ?", (hub_id,)):
            raise InvalidValue("hub", f"no hub {hub_id!r} is known; import it first")

    def add_user(self, name: str, role: str, hub_id: str | None, password: str, actor: str) -> Account:
        """Record a new user with an argon2 hash of the password."""
        check_password(password)
        self.check_hub(hub_id)
        user = User.add(name, role, hub_id, self.hasher.hash(password), actor)
        try:
            self.app.save(user)
        except IntegrityError:
            raise CareerHubError(f"user {user.name!r} already exists") from None
        self.service.catch_up_with_log()
        return account_of(user)

    def change_password(self, name: str, password: str, actor: str) -> Account:
        """Set a new password; every session opened with the old one ends."""
        check_password(password)
        password_hash = self.hasher.hash(password)
        return self._change(name, lambda user: user.change_password(password_hash, actor))

    def grant_role(self, name: str, role: str, hub_id: str | None, actor: str) -> Account:
        """Give the user a role (and hub); it applies from their next request."""
        self.check_hub(hub_id)
        return self._change(name, lambda user: user.grant_role(role, hub_id, actor))

    def revoke_sessions(self, name: str, actor: str, reason: str = "signed out") -> Account:
        """End every session of the user (sign-out ends them on the server, not just in the browser)."""
        return self._change(name, lambda user: user.revoke_sessions(actor, reason))

    def authenticate(self, name: str, password: str, remote_addr: str | None) -> Account | None:
        """The account if the password is right; records SignedIn or SignInFailed either way."""
        try:
            canonical = check_name(name)
        except CareerHubError:
            canonical = None
        user = self._load(canonical) if canonical else None
        if user is None:
            self._verify(self._dummy_hash, password)  # same time taken whether or not the name exists
            return None
        if not self._verify(user.password_hash, password):
            self._change(user.name, lambda u: u.record_failed_sign_in(remote_addr, "wrong password"))
            return None
        rehash = self.hasher.check_needs_rehash(user.password_hash)

        def sign_in(u: User) -> None:
            if rehash:
                u.change_password(self.hasher.hash(password), u.name)
            u.record_sign_in(remote_addr)

        return self._change(user.name, sign_in)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def current(self, name: str) -> Account | None:
        """The user's current account, re-read only when the user has new events."""
        user_id = User.id_for(name)
        with self._lock:
            cached = self._cache.get(user_id)
        if cached and not self.app.recorder.select_events(user_id, gt=cached[0], limit=1):
            return cached[1]
        user = self._load(name)
        if user is None:
            return None
        with self._lock:
            self._cache[user_id] = (user.version, account_of(user))
        return account_of(user)

    def list_users(self) -> list[dict]:
        """Every user, by name: role, hub, sign-in standing (no password hashes)."""
        ids = [UUID(i) for i in aggregate_ids(self.service.db, "User")]
        users = self.app.load_many(ids).values()
        return sorted((u.describe() for u in users if isinstance(u, User)), key=lambda d: d["name"])
