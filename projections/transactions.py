"""Knowledge points: the transactions of the log (an import, a retraction, a match acceptance, a user
change), each a state of knowledge an auditor can pick by what it was rather than by a timestamp.

The recorder gives every event of one save the same recording time, and recording times never go
backwards (engine/store.py), so a transaction is a run of log rows sharing their recorded_at."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.sql import Database

LINE_NUMBER = re.compile(r":[0-9]+$")  # an import row's source is FILE:LINE; the transaction's is the file
LOG_FIELDS = "nid, recorded_at, kind, event, urn, record_key, actor, actor_key, reason, source"


@dataclass(frozen=True)
class Transaction:
    position: int  # the log position of its last event: "known after this transaction" is @position
    first_position: int  # "known just before it" is @(first_position - 1)
    recorded_at: str
    actors: tuple[str, ...]
    reasons: tuple[str, ...]
    sources: tuple[str, ...]
    kinds: tuple[str, ...]
    events: int  # in scope (a hub's), the events of the transaction its users may read

    @property
    def actor(self) -> str | None:
        return "; ".join(self.actors) or None

    @property
    def reason(self) -> str | None:
        return "; ".join(self.reasons) or None

    @property
    def source(self) -> str | None:
        return "; ".join(self.sources) or None

    @property
    def before(self) -> int:
        return self.first_position - 1

    def label(self) -> str:
        """How a person names the point: what was recorded, why, by whom, when."""
        what = self.reason or ", ".join(self.kinds)
        return f"#{self.position} {what} ({self.actor or 'unknown actor'}, {self.recorded_at})"

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "reason": self.reason,
            "source": self.source,
            "kinds": list(self.kinds),
            "events": self.events,
            "first_position": self.first_position,
        }


def grouped(rows: Iterable[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Consecutive log rows sharing a recording time."""
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and row["recorded_at"] != group[-1]["recorded_at"]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def distinct(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def list_transactions(
    db: Database, readable: Callable[[dict[str, Any]], bool] | None = None, after: int = 0, upto: int | None = None
) -> list[Transaction]:
    """Every transaction recorded in (after, upto], in recording order; with `readable` (a hub's scope),
    only those with an event it may read, described by those events alone."""
    where, params = ["nid > ?"], [after]
    if upto is not None:
        where.append("nid <= ?")
        params.append(upto)
    rows = db.query(f"SELECT {LOG_FIELDS} FROM rm_log WHERE {' AND '.join(where)} ORDER BY nid", params)
    names: dict[str | None, str] = {}  # actor_key -> the actor's name, unsealed once
    found = []
    for group in grouped(rows):
        shown = [r for r in group if readable is None or readable(r)]
        if not shown:
            continue
        for row in shown:
            if row["actor_key"] not in names:
                names[row["actor_key"]] = db.sealer.unseal(row["actor"])
        found.append(
            Transaction(
                position=group[-1]["nid"],
                first_position=group[0]["nid"],
                recorded_at=group[0]["recorded_at"],
                actors=distinct(names[r["actor_key"]] for r in shown),
                reasons=distinct(r["reason"] for r in shown),
                sources=distinct(LINE_NUMBER.sub("", r["source"] or "") for r in shown),
                kinds=distinct(r["kind"] for r in shown),
                events=len(shown),
            )
        )
    return found


def transaction_at(db: Database, position: int, readable: Callable[[dict[str, Any]], bool] | None = None) -> Transaction | None:
    """The transaction that contains a log position (None before the first, or out of scope)."""
    row = db.query("SELECT recorded_at FROM rm_log WHERE nid = ?", (position,))
    if not row:
        return None
    span = db.query("SELECT MIN(nid) AS first, MAX(nid) AS last FROM rm_log WHERE recorded_at = ?", (row[0]["recorded_at"],))[0]
    found = list_transactions(db, readable, after=span["first"] - 1, upto=span["last"])
    return found[0] if found else None


@dataclass(frozen=True)
class TransactionSearch:
    text: str | None = None  # in the reason, source or kinds
    actor: str | None = None  # part of the actor's name
    on: date | None = None  # recorded on this (UTC) day

    def matches(self, t: Transaction) -> bool:
        text = " ".join([*t.reasons, *t.sources, *t.kinds]).casefold()
        return (
            (not self.text or self.text.casefold() in text)
            and (not self.actor or self.actor.casefold() in (t.actor or "").casefold())
            and (not self.on or t.recorded_at.startswith(self.on.isoformat()))
        )


def search_transactions(transactions: list[Transaction], search: TransactionSearch) -> list[Transaction]:
    return [t for t in transactions if search.matches(t)]
