"""Changing one recorded record from its page: a retraction with a reason, within the user's hub scope
(the rules an upload follows, engine/importing/scope.py)."""

from __future__ import annotations

from uuid import UUID

from engine.errors import CareerHubError, OutOfScopeRecord, UnknownRecordError
from engine.importing.scope import hub_scope, outside_record
from engine.kinds import KINDS
from projections.workbench import record_id_of
from service.hub import HubService


def retract_record(service: HubService, kind: str, record_key: str, actor: str, reason: str, hub_id: str | None = None) -> int:
    """Retract the record of `kind` whose key the log writes as `record_key`; returns the retraction's log
    position. A user limited to one hub (`hub_id`) retracts only records an upload of theirs could change."""
    schema = KINDS.get(kind)
    if schema is None:
        raise UnknownRecordError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    service.catch_up_with_log()  # the record as the retraction will find it
    found = record_id_of(service.db, kind, record_key)
    record = service.app.load_many([UUID(found)]).get(UUID(found)) if found else None
    if record is None:
        raise UnknownRecordError(f"no {kind} record {record_key}")
    if record.retracted:
        raise CareerHubError(f"{kind} {record_key} is already retracted")
    if hub_id is not None:
        why = outside_record(service.app, hub_scope(service.app, hub_id), schema, record.values)
        if why is not None:
            raise OutOfScopeRecord(f"{kind} {record_key} is not yours to retract: {why}")
    return service.retract(kind, record.key, actor, reason)
