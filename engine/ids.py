"""Deterministic aggregate ids from natural keys, so that re-imports find what they created."""

from __future__ import annotations

import json
from uuid import NAMESPACE_URL, UUID, uuid5


def record_id(kind: str, key: tuple[str, ...]) -> UUID:
    return uuid5(NAMESPACE_URL, "careerhub:" + json.dumps([kind, *key]))
