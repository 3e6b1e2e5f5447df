"""Fixtures of the web tests: an app over a fresh SQLite store holding the two-hub dataset and users."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from config.settings import load_settings
from tests.web.factories import CHEAP_HASHER, add_users, load_hubs, services
from web import create_app


def make_app(database_url: str, **config: object) -> Flask:
    settings = load_settings(database_url, "web-test")
    return create_app(settings, {"SECRET_KEY": "test secret", "PASSWORD_HASHER": CHEAP_HASHER, **config})


def loaded_app(database_url: str, **config: object) -> Flask:
    app = make_app(database_url, **config)
    load_hubs(services(app).hub)
    add_users(app)
    return app


@pytest.fixture
def app(sqlite_url: str) -> Iterator[Flask]:
    """A fresh store for a test that writes."""
    app = loaded_app(sqlite_url)
    yield app
    services(app).hub.close()


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One store for a module of tests that only read (or whose writes do not matter to the others)."""
    path: Path = tmp_path_factory.mktemp("web") / "careerhub.sqlite3"
    app = loaded_app(f"sqlite:///{path}")
    yield app
    services(app).hub.close()
