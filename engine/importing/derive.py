"""Columns the importer computes right after parsing (a kind's `derive`, engine/kinds.py), before keys,
references and scope are checked. The learner's pseudonym is made here from the school's own pupil
identifier, which goes no further: not into an event, the log, the read model or a message."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from config.calendar import academic_year_of
from engine.application import CareerHub
from engine.errors import CareerHubError, ImportRejected
from engine.importing.parsing import Row
from engine.kinds import Derivation, Kind
from engine.records import RECORD_CLASSES

LEARNER_KEY_HEX = 32  # 128 bits of the HMAC: no two of a nation's pupils collide


def hub_learner_key(master_secret: str, hub_id: str) -> bytes:
    """A hub's own key, derived from the master secret (CAREERHUB_LEARNER_SECRET): keys of two hubs are
    unrelated, and no hub's key is ever stored."""
    return hmac.new(master_secret.encode(), b"careerhub learner key|" + hub_id.encode(), hashlib.sha256).digest()


def learner_key(hub_key: bytes, urn: str, pupil_id: str) -> str:
    """The learner's pseudonym: HMAC-SHA256(hub key, urn + pupil_id), the same every year at one school."""
    return hmac.new(hub_key, f"{urn}\x1f{pupil_id}".encode(), hashlib.sha256).hexdigest()[:LEARNER_KEY_HEX]


class Context:
    """What the rules read besides the row: the institutions' hubs, and the master secret."""

    def __init__(self, app: CareerHub, path: Path, rows: list[Row]):
        self.app, self.path, self.rows = app, path, rows
        self._hubs: dict[str, str | None] | None = None
        self._keys: dict[str, bytes] = {}

    def hub_of(self, row: Row, column: str) -> str:
        if self._hubs is None:
            institution_class = RECORD_CLASSES["institutions"]
            urns = {str(r.values[column]) for r in self.rows if r.values.get(column) is not None}
            ids = {institution_class.id_for((urn,)): urn for urn in urns}
            found = self.app.load_many(ids)
            self._hubs = {ids[i]: (None if r.retracted else r.values.get("hub_id") or "") for i, r in found.items()}
        urn = str(row.values[column])
        hub = self._hubs.get(urn)
        if hub is None:
            raise ImportRejected(
                str(self.path), row.line, column, f"{urn!r} is not a known institutions record; import institutions first"
            )
        if not hub:
            raise ImportRejected(
                str(self.path),
                row.line,
                column,
                f"institution {urn} belongs to no hub; learners are keyed with their hub's secret",
            )
        return hub

    def hub_key(self, hub_id: str) -> bytes:
        secret = getattr(self.app, "learner_secret", None)
        if not secret:
            raise CareerHubError(
                "CAREERHUB_LEARNER_SECRET is not set: learners are recorded under a keyed hash of "
                "the school's pupil identifier, and careerhub needs the secret to make it"
            )
        if hub_id not in self._keys:
            self._keys[hub_id] = hub_learner_key(secret, hub_id)
        return self._keys[hub_id]


def derive_learner_key(context: Context, derivation: Derivation, row: Row) -> Any:
    urn_column = derivation.uses[0]
    pupil_id = row.values[derivation.consumes[0].name]
    return learner_key(context.hub_key(context.hub_of(row, urn_column)), str(row.values[urn_column]), pupil_id)


def derive_academic_year(context: Context, derivation: Derivation, row: Row) -> Any:
    day = row.values.get(derivation.uses[0])
    return academic_year_of(day) if day is not None else None


RULES: dict[str, Callable[[Context, Derivation, Row], Any]] = {
    "learner_key": derive_learner_key,
    "academic_year": derive_academic_year,
}


def derive_rows(app: CareerHub, path: Path, schema: Kind, rows: list[Row]) -> list[Row]:
    """The rows with the kind's derived columns added and the columns they consume dropped."""
    if not schema.derive:
        return rows
    context = Context(app, path, rows)
    derived = []
    for row in rows:
        values = dict(row.values)
        for derivation in schema.derive:
            values[derivation.produces] = RULES[derivation.rule](context, derivation, replace(row, values=values))
        derived.append(Row(row.line, {name: values[name] for name in schema.column_names}))
    return derived
