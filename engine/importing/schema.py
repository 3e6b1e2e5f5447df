"""The import formats now live in the catalogue of record kinds (engine/kinds.py); these names stay
only until the last importers move there."""
from __future__ import annotations

from engine.kinds import (BENCHMARKS, ENCOUNTER_KINDS, INSTITUTION_KINDS, KINDS, METRICS, TERM_NAMES, Column, Kind,
                          Reference)

SCHEMAS = KINDS
KindSchema = Kind

__all__ = ["BENCHMARKS", "ENCOUNTER_KINDS", "INSTITUTION_KINDS", "METRICS", "TERM_NAMES", "Column", "KindSchema",
           "Reference", "SCHEMAS"]
