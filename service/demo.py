"""`careerhub demo load`: the Dorset-like demo hub, recorded step by step through the import path.

The steps and their CSV files are data in demohub/dorset/ (made by `python -m demohub.generate`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from demohub.learners import FOLDER as LEARNERS_FOLDER
from demohub.steps import FOLDER, Retraction, read_history
from projections.coverage import learners_recorded
from service.hub import HubService


def store_is_empty(service: HubService) -> bool:
    return service.app.last_position() == 0


def load_demo(
    service: HubService, actor: str | None = None, echo: Callable[[str], None] = lambda line: None, folder: Path = FOLDER
) -> bool:
    """Record the steps of `folder` if the store is empty; False (and nothing recorded) otherwise.

    Each step keeps its own actor and reason; `actor`, when given, replaces them all."""
    if not store_is_empty(service):
        return False
    for step in read_history(folder):
        if isinstance(step, Retraction):
            service.retract(step.kind, step.key, actor or step.actor, step.reason)
            echo(f"retracted {step.kind} {' '.join(step.key)}: {step.reason}")
            continue
        summary = service.import_file(
            step.kind, Path(step.filename), actor or step.actor, step.reason, data=step.csv_text.encode()
        )
        echo(f"{step.filename}: {summary.recorded} events recorded ({step.reason})")
    return True


DEMO_LEARNER_SECRET = "the Dorset demo's learner secret: not for real pupils"


def load_learner_demo(service: HubService, echo: Callable[[str], None] = lambda line: None) -> bool:
    """Record the learner extension (demohub/dorset-learners/) on top of the demo hub; False (and nothing
    recorded) when the store has no demo hub or already has learners. Without CAREERHUB_LEARNER_SECRET the
    demo's own published secret keys them: fine for made-up pupils, never for real ones."""
    if store_is_empty(service) or learners_recorded(service.db):
        return False
    if not service.app.learner_secret:
        service.app.learner_secret = DEMO_LEARNER_SECRET
        echo("CAREERHUB_LEARNER_SECRET is not set: the demo learners are keyed with the demo's published secret")
    for step in read_history(LEARNERS_FOLDER):
        if isinstance(step, Retraction):
            continue
        summary = service.import_file(step.kind, Path(step.filename), step.actor, step.reason, data=step.csv_text.encode())
        echo(f"{step.filename}: {summary.recorded} events recorded ({step.reason})")
    return True
