"""The demo hub's steps as files: each import is a CSV file, and steps.csv lists every step in recording order.

steps.csv has one row per step: `action` is `import` (the file, its kind, actor and reason, as given to
`careerhub import KIND FILE --actor ... --reason ...`) or `retract` (the kind and the record's key, its parts
`;`-separated as lists are in DATA.md §2, as given to `careerhub retract KIND KEY... --reason ...`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Resolved from this module, so the files are found from any working directory and in an installed package.
FOLDER = Path(__file__).resolve().parent / "dorset"
MANIFEST = "steps.csv"
FIELDS = ("action", "kind", "file", "key", "actor", "reason")


@dataclass(frozen=True)
class DemoStep:
    kind: str
    filename: str
    csv_text: str
    actor: str
    reason: str


@dataclass(frozen=True)
class Retraction:
    kind: str
    key: tuple[str, ...]
    actor: str
    reason: str


def read_history(folder: Path = FOLDER) -> list[DemoStep | Retraction]:
    """The steps listed in the folder's steps.csv, each import with its file's text."""
    with (folder / MANIFEST).open(encoding="utf-8", newline="") as manifest:
        return [_step(folder, row) for row in csv.DictReader(manifest)]


def _step(folder: Path, row: dict[str, str]) -> DemoStep | Retraction:
    if row["action"] == "retract":
        return Retraction(row["kind"], tuple(row["key"].split(";")), row["actor"], row["reason"])
    if row["action"] != "import":
        raise ValueError(f"{folder / MANIFEST}: unknown action {row['action']!r} (import or retract)")
    # Bytes, not text mode: the loader must import exactly the committed bytes.
    text = (folder / row["file"]).read_bytes().decode("utf-8")
    return DemoStep(row["kind"], row["file"], text, row["actor"], row["reason"])


def write_history(steps: Sequence[DemoStep | Retraction], folder: Path = FOLDER) -> None:
    """Write each import's file and steps.csv; CSV files no step names any more are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {MANIFEST: _manifest(steps)} | {s.filename: s.csv_text for s in steps if isinstance(s, DemoStep)}
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    for stale in set(p.name for p in folder.glob("*.csv")) - set(files):
        (folder / stale).unlink()


def _manifest(steps: Sequence[DemoStep | Retraction]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_manifest_row(step) for step in steps)
    return out.getvalue()


def _manifest_row(step: DemoStep | Retraction) -> dict[str, str]:
    if isinstance(step, Retraction):
        return {
            "action": "retract",
            "kind": step.kind,
            "file": "",
            "key": ";".join(step.key),
            "actor": step.actor,
            "reason": step.reason,
        }
    return {"action": "import", "kind": step.kind, "file": step.filename, "key": "", "actor": step.actor, "reason": step.reason}
