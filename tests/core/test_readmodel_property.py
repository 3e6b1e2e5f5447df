"""Property: whatever small sequence of imports, corrections and retractions was recorded, the read
model maintained event by event equals the one rebuilt from scratch, and shows exactly the records
that exist and are not retracted, with their latest values (SQLite)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from engine.errors import CareerHubError
from engine.kinds import KINDS
from engine.records import RECORD_CLASSES
from projections.tables import cell, table_of
from service.hub import HubService
from tests.core.factories import ASSESSMENT_HEADER, read_model_dump, write_csv

HUBS = ("dorset", "wessex")
URNS = ("100001", "100002", "100003")
DAYS = ("2020-01-15", "2020-03-01")

hub_rows = st.builds(lambda hub, name: [hub, name, "Dorset", ""], st.sampled_from(HUBS), st.sampled_from("AB"))
institution_rows = st.builds(
    lambda urn, name, hub, left: [urn, name, "school", "Dorset", hub, "2019-09-01", left],
    st.sampled_from(URNS),
    st.sampled_from(("Castle", "Harbour")),
    st.sampled_from(HUBS),
    st.sampled_from(("", "2021-07-31")),
)
assessment_rows = st.builds(
    lambda urn, on, bm1, bm5: [urn, on, str(bm1), "50", "50", "50", str(bm5), "50", "50", "50"],
    st.sampled_from(URNS),
    st.sampled_from(DAYS),
    st.sampled_from((0, 100)),
    st.sampled_from((40, 100)),
)

FILES = {
    "hubs": (["hub_id", "name", "area", "started_on"], hub_rows),
    "institutions": (["urn", "name", "kind", "area", "hub_id", "hub_joined_on", "hub_left_on"], institution_rows),
    "assessments": (ASSESSMENT_HEADER, assessment_rows),
}
KEYS = {"hubs": [(h,) for h in HUBS], "institutions": [(u,) for u in URNS], "assessments": [(u, d) for u in URNS for d in DAYS]}
KEY_WIDTH = {"hubs": 1, "institutions": 1, "assessments": 2}


def one_per_key(kind: str, rows: list[list[str]]) -> list[list[str]]:
    """A file never repeats a key with other values (that file would be rejected whole)."""
    return list({tuple(r[: KEY_WIDTH[kind]]): r for r in rows}.values())


imports = st.one_of(
    *(
        st.tuples(
            st.just("import"),
            st.just(kind),
            st.lists(rows, min_size=1, max_size=4).map(lambda rs, kind=kind: one_per_key(kind, rs)),
        )
        for kind, (_, rows) in FILES.items()
    )
)
retractions = st.one_of(*(st.tuples(st.just("retract"), st.just(kind), st.sampled_from(keys)) for kind, keys in KEYS.items()))
SEED = [
    ("import", "hubs", [[h, "A", "Dorset", ""] for h in HUBS]),
    ("import", "institutions", [[u, "Castle", "school", "Dorset", "dorset", "2019-09-01", ""] for u in URNS]),
]
histories = st.lists(st.one_of(imports, imports, retractions), min_size=1, max_size=10).map(lambda ops: SEED + ops)


def apply(service: HubService, folder: Path, step: int, operation: tuple) -> None:
    action, kind, payload = operation
    try:
        if action == "import":
            header, _ = FILES[kind]
            service.import_file(kind, write_csv(folder, f"{step}-{kind}.csv", header, payload), "prop")
        else:
            service.retract(kind, payload, "prop", "withdrawn")
    except CareerHubError:
        pass  # a rejected file or retraction records nothing; the property must hold all the same


def expected_current(service: HubService, kind: str) -> list[tuple]:
    """What the read model must show for `kind`: the live values of every non-retracted record."""
    record_class = RECORD_CLASSES[kind]
    loaded = service.app.load_many(record_class.id_for(k) for k in KEYS[kind])
    columns = KINDS[kind].columns
    return sorted(tuple(cell(r.values.get(c.name)) for c in columns) for r in loaded.values() if not r.retracted)


def shown_current(service: HubService, kind: str) -> list[tuple]:
    names = ", ".join(KINDS[kind].column_names)
    rows = service.db.query(f"SELECT {names} FROM {table_of(kind)} WHERE nid_to IS NULL")
    return sorted(tuple(r.values()) for r in rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
@example(SEED + [("retract", "hubs", ("dorset",)), ("import", "hubs", [["dorset", "A", "Dorset", ""]])])
def test_any_history_the_incremental_read_model_equals_a_rebuild_and_the_live_records(history):
    with tempfile.TemporaryDirectory(prefix="careerhub-prop-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder}/store.sqlite3"
        service = HubService(Settings(database_url=url, actor="prop"))
        try:
            for step, operation in enumerate(history):
                apply(service, folder, step, operation)
            for kind in FILES:
                assert shown_current(service, kind) == expected_current(service, kind), kind
            incremental = read_model_dump(url)
            kinds_of_event = {r["event"] for r in service.db.query("SELECT DISTINCT event FROM rm_log")}
            event("events: " + (", ".join(sorted(kinds_of_event)) or "none"))

            service.projector.rebuild()

            assert read_model_dump(url) == incremental
            assert incremental["position"] == [(service.app.last_position(),)]
        finally:
            service.close()
