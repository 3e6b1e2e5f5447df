"""Property: whatever a browser sends to any form or query of careerhub, the answer is never a server
error, and a refused request writes nothing."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.edge_values import edge_values
from tests.web.factories import services, sign_in

FIELDS = (
    "actor",
    "after",
    "area",
    "as_of",
    "cluster",
    "compare_known_at",
    "forbids",
    "forbids_text",
    "hub",
    "hub_id",
    "kind",
    "known_at",
    "name",
    "next",
    "password",
    "pins",
    "pins_text",
    "reason",
    "role",
    "since",
    "until",
    "urn",
)
nasty = st.one_of(
    edge_values,
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "2020-02-30",
            "9999-99-99",
            "=cmd|' /C calc'!A0",
            "../../etc/passwd",
            "dorset",
            "100001=EA1",
            "\x00",
            "' OR 1=1 --",
            "2019-12-31T25:00",
            "1" * 400,
        ]
    ),
)
forms = st.dictionaries(st.sampled_from(FIELDS), nasty, max_size=6)
GETS = [
    "/dashboard/dorset",
    "/dashboard/dorset/print",
    "/dashboard/dorset/board.csv",
    "/audit/",
    "/audit/log",
    "/audit/log.csv",
    "/audit/log.jsonl",
    "/matching/",
    "/data/",
    "/auth/users",
]
POSTS = [
    "/auth/users",
    "/matching/runs",
    "/matching/runs/not-a-run/accept",
    "/matching/runs/not-a-run/reject",
    "/data/",
    "/auth/sign-in",
]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(path=st.sampled_from(GETS), query=forms)
def test_no_query_string_makes_a_server_error(shared_app, path, query):
    admin = sign_in(shared_app, "admin")
    response = admin.client.get(path, query_string=query)
    assert response.status_code < 500, (path, query, response.text[:300])


@FUZZ
@given(path=st.sampled_from(POSTS), form=forms, upload=st.one_of(st.none(), st.binary(max_size=300)))
def test_no_form_makes_a_server_error_and_a_refused_one_writes_nothing(shared_app, path, form, upload):
    admin = sign_in(shared_app, "admin")
    hub = services(shared_app).hub
    before = hub.app.last_position()
    data = dict(form)
    if upload is not None:
        data["file"] = (io.BytesIO(upload), "fuzz.csv")
    response = admin.post(path, data, content_type="multipart/form-data")
    assert response.status_code < 500, (path, form, response.text[:300])
    if response.status_code >= 400:
        written = hub.db.query("SELECT kind, event FROM rm_log WHERE nid > ?", (before,)) if hub.refresh() else []
        assert all(row["kind"] == "User" for row in written), written  # only sign-in attempts are recorded
