"""The catalogue of record kinds declares, for every kind, what it is about, who owns it and what in
it is personal; a kind that leaves one out cannot be declared, and nothing it names is missing."""

from __future__ import annotations

from dataclasses import MISSING, fields

import pytest

from engine.kinds import KINDS, Kind
from engine.records import RECORD_CLASSES

MUST_DECLARE = ("institution", "personal")


@pytest.mark.parametrize("name", MUST_DECLARE)
def test_a_kind_must_declare_its_institution_and_its_personal_fields(name):
    field = next(f for f in fields(Kind) if f.name == name)
    assert field.default is MISSING and field.default_factory is MISSING
    with pytest.raises(TypeError, match=name):
        Kind(**{f.name: getattr(KINDS["hubs"], f.name) for f in fields(Kind) if f.init and f.name != name})


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_column_a_kind_names_is_one_of_its_columns(kind: Kind):
    named = [
        *kind.key,
        *filter(None, (kind.valid_on, kind.optional_key, kind.hub_column, kind.area_column)),
        *kind.personal,
        *kind.sealed,
        *(c for index in kind.indexes for c in index),
        *(r.column for r in (*kind.references, *filter(None, (kind.institution,)))),
    ]
    assert [n for n in named if n not in kind.column_names] == []


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_kind_is_owned_so_a_user_of_one_hub_is_scoped(kind: Kind):
    assert kind.hub_wide or kind.hub_column or kind.area_column or kind.institution


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_personal_data_is_sealed_at_rest_and_its_record_redacts_it(kind: Kind):
    assert set(kind.personal) <= set(kind.sealed) | set(kind.pseudonymous)
    assert RECORD_CLASSES[kind.kind].PERSONAL_FIELDS == kind.personal


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_a_pseudonym_is_personal_and_made_at_import_from_columns_never_stored(kind: Kind):
    produced = {d.produces: d for d in kind.derive}
    assert set(kind.pseudonymous) <= set(kind.personal) & set(produced)
    for derivation in kind.derive:
        assert derivation.produces in kind.column_names
        assert not {c.name for c in derivation.consumes} & set(kind.column_names)
        assert set(derivation.uses) <= set(kind.input_kind.column_names)
    assert "pupil_id" not in kind.column_names
