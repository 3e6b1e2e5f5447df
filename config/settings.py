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


def default_actor() -> str:
    """The OS user, the default author of events recorded from the command line."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


LONGEST_ACTOR = 200


def load_settings(database_url: str | None = None, actor: str | None = None) -> Settings:
    """Settings from arguments, then CAREERHUB_* variables, then defaults."""
    actor = actor or os.environ.get("CAREERHUB_ACTOR") or default_actor()
    if len(actor) > LONGEST_ACTOR or "\x00" in actor:
        raise ValueError(f"the actor name must be at most {LONGEST_ACTOR} characters, without NUL")
    return Settings(
        database_url=database_url or os.environ.get("CAREERHUB_DATABASE_URL") or DEFAULT_DATABASE_URL,
        actor=actor,
        cipher_key=os.environ.get("CAREERHUB_CIPHER_KEY") or None,
        secret_key=os.environ.get("CAREERHUB_SECRET_KEY") or None,
    )
