"""Without CAREERHUB_SECRET_KEY, every web app over one store signs sessions with one key, kept in the
store (a random key per process would sign each user out whenever another process answered); with a
cipher key, the stored key is sealed, so a copied database does not hand out the means to forge a session."""

from __future__ import annotations

from eventsourcing.cipher import AESCipher

from config.settings import Settings
from engine.sealing import PREFIX
from engine.shared_secrets import TABLE
from web import create_app


def test_every_web_app_over_one_store_signs_sessions_with_the_same_key(database_url):
    apps = [create_app(Settings(database_url=database_url, actor="tester")) for _ in range(2)]
    keys = {app.config["SECRET_KEY"] for app in apps}
    assert len(keys) == 1 and len(keys.pop()) == 64


def test_the_stored_key_is_sealed_when_the_store_is_encrypted(sqlite_url):
    app = create_app(Settings(database_url=sqlite_url, actor="tester", cipher_key=AESCipher.create_key(32)))
    stored = app.extensions["careerhub"].hub.db.scalar(f"SELECT value FROM {TABLE}")
    assert stored.startswith(PREFIX) and app.config["SECRET_KEY"] not in stored
