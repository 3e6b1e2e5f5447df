"""A matcher run: what the coordinator asked, what the solver proposed from which inputs, and
what the coordinator then accepted or rejected. The inputs are kept so an auditor can replay it."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from engine.errors import CareerHubError
from engine.ids import record_id
from engine.topics import stabilise_topics


class MatchRun(Aggregate):
    if TYPE_CHECKING:  # set by the events' apply(); see engine/records.py
        area: str
        as_of: date
        inputs: dict[str, Any]
        inputs_digest: str
        result: dict[str, Any]
        accepted: dict[str, str]  # urn -> adviser_ref
        rejected: dict[str, str]  # urn -> adviser_ref

    class Proposed(Aggregate.Created):
        area: str
        as_of: date
        inputs: dict[str, Any]
        inputs_digest: str
        result: dict[str, Any]
        solver_version: str
        actor: str
        reason: str | None

        def apply(self, run: MatchRun) -> None:
            run.area, run.as_of, run.inputs = self.area, self.as_of, self.inputs
            run.inputs_digest, run.result = self.inputs_digest, self.result
            run.accepted, run.rejected = {}, {}

    class Accepted(Aggregate.Event):
        pairs: list[list[str]]  # [urn, adviser_ref]
        actor: str
        reason: str | None

        def apply(self, run: MatchRun) -> None:
            run.accepted.update({urn: ref for urn, ref in self.pairs})

    class Rejected(Aggregate.Event):
        urn: str
        adviser_ref: str
        area: str
        actor: str
        reason: str

        def apply(self, run: MatchRun) -> None:
            run.rejected[self.urn] = self.adviser_ref

    @classmethod
    def propose(
        cls,
        run_id: UUID,
        area: str,
        as_of: date,
        inputs: dict[str, Any],
        inputs_digest: str,
        result: dict[str, Any],
        solver_version: str,
        actor: str,
    ) -> MatchRun:
        return cls._create(
            cls.Proposed,
            id=run_id,
            area=area,
            as_of=as_of,
            inputs=inputs,
            inputs_digest=inputs_digest,
            result=result,
            solver_version=solver_version,
            actor=actor,
            reason=None,
        )

    def proposal_for(self, urn: str) -> dict[str, Any]:
        for proposal in self.result["proposals"]:
            if proposal["urn"] == urn:
                return proposal
        raise CareerHubError(f"run {self.id} proposed nothing for institution {urn}")

    def open_proposals(self, only: list[str] | None = None) -> list[dict[str, Any]]:
        """Proposals not yet accepted or rejected (all of them, or those for `only`)."""
        if not only:
            return [p for p in self.result["proposals"] if p["urn"] not in self.accepted and p["urn"] not in self.rejected]
        wanted = [self.proposal_for(urn) for urn in only]
        for proposal in wanted:
            if proposal["urn"] in self.accepted:
                raise CareerHubError(f"institution {proposal['urn']} was already accepted from run {self.id}")
            if proposal["urn"] in self.rejected:
                raise CareerHubError(f"the pair for institution {proposal['urn']} was rejected in run {self.id}")
        return wanted

    def accept(self, pairs: list[tuple[str, str]], actor: str) -> None:
        self.trigger_event(self.Accepted, pairs=[list(p) for p in pairs], actor=actor, reason=None)

    def reject(self, urn: str, reason: str, actor: str) -> None:
        proposal = self.proposal_for(urn)
        if urn in self.accepted:
            raise CareerHubError(f"institution {urn} was already accepted from run {self.id}; end the match instead")
        if urn in self.rejected:
            raise CareerHubError(f"the pair for institution {urn} is already rejected")
        if not reason.strip():
            raise CareerHubError("a rejection needs a reason")
        self.trigger_event(
            self.Rejected, urn=urn, adviser_ref=proposal["adviser_ref"], area=self.area, actor=actor, reason=reason
        )


stabilise_topics(MatchRun, "MatchRun")


class Allocation(Aggregate):
    """The consistency boundary of matching: every accepted pair claims its institution and its
    adviser, so two coordinators accepting at once conflict here instead of over-filling an adviser."""

    if TYPE_CHECKING:  # set by the events' apply(); see engine/records.py
        subject: str
        claims: int

    class Opened(Aggregate.Created):
        subject: str

        def apply(self, allocation: Allocation) -> None:
            allocation.subject = self.subject
            allocation.claims = 0

    class Claimed(Aggregate.Event):
        partner: str
        run_id: str
        actor: str

        def apply(self, allocation: Allocation) -> None:
            allocation.claims += 1

    @staticmethod
    def id_for(subject: str) -> UUID:
        return record_id("allocations", (subject,))

    @classmethod
    def open(cls, subject: str) -> Allocation:
        return cls._create(cls.Opened, id=cls.id_for(subject), subject=subject)

    def claim(self, partner: str, run_id: str, actor: str) -> None:
        self.trigger_event(self.Claimed, partner=partner, run_id=run_id, actor=actor)


stabilise_topics(Allocation, "Allocation")
