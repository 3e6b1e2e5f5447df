"""A coordinator of one hub changes only that hub's data: the scope is checked on the importer's own
parsed rows and on the records they would change, so no spacing of a cell or header gets round it.
(Dorset's coordinator; Solent's school 200001; see tests/web/factories.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from engine.errors import OutOfScope
from service.hub import HubService
from tests.web.factories import event_count, load_hubs, services, sign_in
from tests.web.test_data import upload

ASSESSMENT = "bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8"
SCORES = "100,100,100,100,100,100,100,100"

OUT_OF_SCOPE = {
    "padded URN": ("assessments", f'urn,assessed_on,{ASSESSMENT}\n" 200001",2020-03-01,{SCORES}\n', "line 2", "urn"),
    "padded header, leading": ("assessments", f'" urn",assessed_on,{ASSESSMENT}\n200001,2020-03-01,{SCORES}\n', "line 2", "urn"),
    "padded header, trailing": ("assessments", f'"urn ",assessed_on,{ASSESSMENT}\n200001,2020-03-01,{SCORES}\n', "line 2", "urn"),
    "encounter": ("encounters", "urn,occurred_on,kind\n200001 ,2020-03-01,employer_encounter\n", "line 2", "urn"),
    "match": ("matches", "urn,adviser_ref,matched_on\n\t200001,EA-1,2020-03-01\n", "line 2", "urn"),
    "funding of a foreign hub": (
        "funding",
        'application_ref," hub_id",stream,applicant,amount_requested,applied_on\nF-9,solent,collaborative,west,100,2020-03-01\n',
        "line 2",
        "hub_id",
    ),
    "funding for a foreign school": (
        "funding",
        "application_ref,hub_id,stream,applicant,amount_requested,applied_on\nF-9,dorset,institutional, 200001,100,2020-03-01\n",
        "line 2",
        "applicant",
    ),
    "funding taking over another hub's application": (
        "funding",
        "application_ref,hub_id,stream,applicant,amount_requested,applied_on\nS-1,dorset,collaborative,east,100,2020-03-01\n",
        "line 2",
        "hub_id",
    ),
    "targets": ("targets", "hub_id ,academic_year,metric,value\nsolent,2019/20,bm5_percent,10\n", "line 2", "hub_id"),
    "terms": (
        "terms",
        "hub_id,academic_year,term,starts_on,ends_on\n solent,2019/20,spring,2020-01-06,2020-03-27\n",
        "line 2",
        "hub_id",
    ),
    "moving a foreign school in": (
        "institutions",
        "urn,name,kind,area,hub_id\n200001,Stolen,school,Dorset,dorset\n",
        "line 2",
        "urn",
    ),
    "a school of another area": ("institutions", "urn,name,kind,area\n300001,Elsewhere,school,Solent\n", "line 2", "area"),
    "an adviser of another area": ("advisers", "adviser_ref,name,area\nEA-9,Someone,Solent\n", "line 2", "area"),
    "an adviser without an area": ("advisers", "adviser_ref,name\nEA-9,Someone\n", "line 2", "area"),
    "an adviser owned by no area": ("advisers", "adviser_ref,name,area\nEA-1,Ada Byron,Dorset\n", "line 2", "area"),
    "hubs": ("hubs", "hub_id,name,area\ndorset,Dorset,Solent\n", None, None),
    "national": ("national", "metric,published_on,value\nbm5_percent,2020-01-01,99\n", None, None),
}


@pytest.fixture
def app_with_foreign_records(app):
    """Solent's own funding application S-1, recorded by an administrator."""
    services(app).hub.import_file(
        "funding",
        Path("solent.csv"),
        "admin",
        "setup",
        data=(
            b"application_ref,hub_id,stream,applicant,amount_requested,applied_on\n"
            b"S-1,solent,institutional,200001,100,2020-01-01\n"
        ),
    )
    return app


@pytest.mark.parametrize("case", OUT_OF_SCOPE, ids=list(OUT_OF_SCOPE))
def test_a_coordinator_cannot_import_another_hubs_rows_however_the_file_is_spelled(app_with_foreign_records, case):
    kind, text, line, column = OUT_OF_SCOPE[case]
    coordinator = sign_in(app_with_foreign_records, "coordinator")
    before = event_count(app_with_foreign_records)
    response = upload(coordinator, kind, text)
    assert response.status_code == 403, response.text
    assert "was rejected; nothing was recorded." in response.text
    if line:
        assert f'<dd data-line="{line.split()[1]}">' in response.text and f"<dd>{column}</dd>" in response.text
    assert event_count(app_with_foreign_records) == before


IN_SCOPE = {
    "own school's assessment": ("assessments", f'urn,assessed_on,{ASSESSMENT}\n" 100003",2020-03-01,{SCORES}\n'),
    "own school renamed": (
        "institutions",
        "urn,name,kind,area,hub_id,ean_joined_on,hub_joined_on,latitude,longitude,"
        "cluster,disadvantaged\n100003,Heath Academy,school,Dorset,dorset,2019-09-01,"
        "2020-01-15,50.70,-2.10,east,false\n",
    ),
    "a new school of the area outside the hub": ("institutions", "urn,name,kind,area\n100009,New School,school,Dorset\n"),
    "a new adviser of the area": ("advisers", "adviser_ref,name,area\nEA-9,Someone,Dorset\n"),
    "own funding": (
        "funding",
        "application_ref,hub_id,stream,applicant,amount_requested,applied_on\nF-9,dorset,institutional,100002,100,2020-03-01\n",
    ),
}


@pytest.mark.parametrize("case", IN_SCOPE, ids=list(IN_SCOPE))
def test_a_coordinator_imports_their_own_hubs_rows(app, case):
    kind, text = IN_SCOPE[case]
    response = upload(sign_in(app, "coordinator"), kind, text)
    assert response.status_code == 200, response.text
    assert "events recorded" in response.text


def test_an_adviser_once_owned_by_the_area_can_be_changed_by_its_coordinator(app):
    coordinator = sign_in(app, "coordinator")
    assert upload(coordinator, "advisers", "adviser_ref,name,area\nEA-9,Someone,Dorset\n").status_code == 200
    assert upload(coordinator, "advisers", "adviser_ref,name,area,capacity\nEA-9,Someone,Dorset,3\n").status_code == 200
    admin = sign_in(app, "admin")
    assert upload(admin, "advisers", "adviser_ref,name,area\nEA-9,Someone,Solent\n").status_code == 200
    response = upload(coordinator, "advisers", "adviser_ref,name,area,capacity\nEA-9,Someone,Dorset,1\n")
    assert response.status_code == 403 and "belongs elsewhere" in response.text


def test_the_hub_wide_kinds_are_not_offered_to_a_user_of_one_hub(app):
    page = sign_in(app, "coordinator").get("/data/").text
    assert 'value="assessments"' in page and 'value="hubs"' not in page and 'value="national"' not in page


def test_the_scope_holds_on_both_backends_at_the_import_itself(database_url):
    service = HubService(load_settings(database_url, "scope-test"))
    try:
        load_hubs(service)
        before = service.app.last_position()
        with pytest.raises(OutOfScope) as refused:
            service.import_file(
                "institutions",
                Path("steal.csv"),
                "coordinator",
                "test",
                data=b"urn,name,kind,area,hub_id\n200001,Stolen,school,Dorset,dorset\n",
                hub_id="dorset",
            )
        assert (refused.value.line, refused.value.column) == (2, "urn")
        assert "institution 200001 is outside your hub's area (Dorset)" in str(refused.value)
        assert service.app.last_position() == before
    finally:
        service.close()
