"""Settings: the only reader of CAREERHUB_* environment variables."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///instance/careerhub.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    actor: str
    cipher_key: str | None = None
    secret_key: str | None = None
    # The master secret of learners' pseudonyms: each hub's key is HMAC(master, hub_id) (engine/importing/derive.py).
    learner_secret: str | None = None
    minimum_learners: int = 5  # small-number suppression: no hub or cluster figure from fewer learners
    # A projection worker (`careerhub projections run`) keeps the read model caught up: readers then
    # read it as it is, and writers wait for the worker instead of applying events themselves.
    projection_worker: bool = False
    # A streaming replica of the PostgreSQL store that answers reads (service/replica.py); writes and the
    # projection worker always use database_url.
    read_database_url: str | None = None


def default_actor() -> str:
    """The OS user, the default author of events recorded from the command line."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


LONGEST_ACTOR = 200


def load_settings(database_url: str | None = None, actor: str | None = None, read_database_url: str | None = None) -> Settings:
    """Settings from arguments, then CAREERHUB_* variables, then defaults."""
    actor = actor or os.environ.get("CAREERHUB_ACTOR") or default_actor()
    if len(actor) > LONGEST_ACTOR or "\x00" in actor:
        raise ValueError(f"the actor name must be at most {LONGEST_ACTOR} characters, without NUL")
    return Settings(
        database_url=database_url or os.environ.get("CAREERHUB_DATABASE_URL") or DEFAULT_DATABASE_URL,
        actor=actor,
        cipher_key=os.environ.get("CAREERHUB_CIPHER_KEY") or None,
        secret_key=os.environ.get("CAREERHUB_SECRET_KEY") or None,
        learner_secret=os.environ.get("CAREERHUB_LEARNER_SECRET") or None,
        minimum_learners=minimum_learners(os.environ.get("CAREERHUB_MINIMUM_LEARNERS")),
        projection_worker=switch("CAREERHUB_PROJECTION_WORKER", os.environ.get("CAREERHUB_PROJECTION_WORKER")),
        read_database_url=read_database_url or os.environ.get("CAREERHUB_READ_DATABASE_URL") or None,
    )


SWITCH_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def switch(name: str, text: str | None) -> bool:
    """An on/off setting: 1, true, yes or on; 0, false, no, off or unset (off)."""
    if not text or not text.strip():
        return False
    if text.strip().lower() not in SWITCH_WORDS:
        raise ValueError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {text!r}")
    return SWITCH_WORDS[text.strip().lower()]


def minimum_learners(text: str | None) -> int:
    """CAREERHUB_MINIMUM_LEARNERS: a whole number from 1 (default 5)."""
    if not text:
        return 5
    if not text.strip().isascii() or not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"CAREERHUB_MINIMUM_LEARNERS must be a whole number of at least 1, not {text!r}")
    return int(text)
