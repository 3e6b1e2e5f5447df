"""Template files to start an import from: per kind, the header row the importer reads."""

from __future__ import annotations

from engine.kinds import Column, Kind


def import_kind(schema: Kind) -> Kind:
    """The kind as its import file has it (the importer parses the file with this): derived columns
    absent, the columns they consume present."""
    return schema.input_kind


def import_columns(schema: Kind) -> tuple[Column, ...]:
    """The columns of the kind's import file, in the order the importer reads them."""
    return import_kind(schema).columns


def template_csv(schema: Kind) -> str:
    """A CSV file of the kind with its header row only (UTF-8, CRLF as Excel writes it)."""
    return ",".join(c.name for c in import_columns(schema)) + "\r\n"
