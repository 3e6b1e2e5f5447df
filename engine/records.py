"""The hub's data as aggregates: each row of an import is a Record, identified by its natural key.

A record is recorded once, then corrected or retracted by later events; nothing is updated in
place. Every event carries its valid-time date (`valid_on`), who recorded it, why, and from where.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from engine.errors import CareerHubError
from engine.ids import record_id
from engine.kinds import KINDS, Kind
from engine.topics import stabilise_topics

REDACTED = "[redacted]"


def redact_values(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Values with the personal fields erased: text becomes a marker (names are required), the rest absent."""
    return {k: ((REDACTED if isinstance(v, str) else None) if k in fields and v is not None else v) for k, v in values.items()}


class Record(Aggregate):
    KIND: ClassVar[str]
    if TYPE_CHECKING:  # set by the events' apply(); declared only for the type checker, since the
        # library would otherwise read class annotations as the aggregate's constructor arguments
        key: list[str]
        values: dict[str, Any]
        retracted: bool
        redacted: list[str]

    class Recorded(Aggregate.Created):
        key: list[str]
        values: dict[str, Any]
        valid_on: date | None
        actor: str
        reason: str | None
        source: str | None

        def apply(self, aggregate: Record) -> None:
            aggregate.key = list(self.key)
            aggregate.values = dict(self.values)
            aggregate.retracted = False

    class Corrected(Aggregate.Event):
        values: dict[str, Any]
        changed: list[str]
        valid_on: date | None
        actor: str
        reason: str | None
        source: str | None

        def apply(self, aggregate: Record) -> None:
            aggregate.values = redact_values(self.values, getattr(aggregate, "redacted", []))
            aggregate.retracted = False

    class Retracted(Aggregate.Event):
        actor: str
        reason: str

        def apply(self, aggregate: Record) -> None:
            aggregate.retracted = True

    class Redacted(Aggregate.Event):
        fields: list[str]
        actor: str
        reason: str
        # [originator id (hex), version, SHA-256 of the new payload] of each event the redaction rewrote;
        # absent in redactions recorded before careerhub kept this commitment.
        rewrites: list[list[Any]] | None = None

        def apply(self, aggregate: Record) -> None:
            aggregate.values = redact_values(aggregate.values, self.fields)
            aggregate.redacted = sorted(set(getattr(aggregate, "redacted", [])) | set(self.fields))

    PERSONAL_FIELDS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def id_for(cls, key: tuple[str, ...]) -> UUID:
        return record_id(cls.KIND, key)

    @classmethod
    def record(
        cls,
        key: tuple[str, ...],
        values: dict[str, Any],
        valid_on: date | None,
        actor: str,
        reason: str | None,
        source: str | None,
        record_id: UUID | None = None,
    ) -> Record:
        return cls._create(
            cls.Recorded,
            id=record_id or cls.id_for(key),
            key=list(key),
            values=values,
            valid_on=valid_on,
            actor=actor,
            reason=reason,
            source=source,
        )

    def changes_from(self, values: dict[str, Any]) -> list[str]:
        """Names of the fields whose value differs from the current one (all, if retracted)."""
        if self.retracted:
            return sorted(values)
        names = set(values) | set(self.values)
        return sorted(n for n in names if values.get(n) != self.values.get(n))

    def correct(self, values: dict[str, Any], valid_on: date | None, actor: str, reason: str | None, source: str | None) -> None:
        changed = self.changes_from(values)
        if not changed:
            raise CareerHubError(f"{self.KIND} {'/'.join(self.key)}: correction changes nothing")
        self.trigger_event(
            self.Corrected, values=values, changed=changed, valid_on=valid_on, actor=actor, reason=reason, source=source
        )

    def redact(self, actor: str, reason: str, rewrites: list[list[Any]]) -> None:
        """Erase the personal fields (UK GDPR); the erasure itself is recorded, with who and why."""
        if not self.PERSONAL_FIELDS:
            raise CareerHubError(f"{self.KIND} records hold no personal data to redact")
        if not reason.strip():
            raise CareerHubError("a redaction needs a reason")
        if set(self.PERSONAL_FIELDS) <= set(getattr(self, "redacted", [])):
            raise CareerHubError(f"{self.KIND} {' '.join(self.key)} is already redacted")
        self.trigger_event(self.Redacted, fields=list(self.PERSONAL_FIELDS), actor=actor, reason=reason, rewrites=rewrites)

    def retract(self, actor: str, reason: str) -> None:
        if self.retracted:
            raise CareerHubError(f"{self.KIND} {'/'.join(self.key)} is already retracted")
        if not reason.strip():
            raise CareerHubError("a retraction needs a reason")
        self.trigger_event(self.Retracted, actor=actor, reason=reason)


def record_class(kind: Kind) -> type[Record]:
    """The aggregate class of a kind of record, with stable topics 'careerhub:<aggregate>.<Event>'."""
    cls = type(
        kind.aggregate,
        (Record,),
        {"KIND": kind.kind, "PERSONAL_FIELDS": kind.personal, "__module__": __name__, "__qualname__": kind.aggregate},
    )
    stabilise_topics(cls, kind.aggregate)
    return cls


RECORD_CLASSES: dict[str, type[Record]] = {kind.kind: record_class(kind) for kind in KINDS.values()}
