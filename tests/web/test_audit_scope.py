"""An auditor of one hub reads, in the log, what the catalogue says the hub owns: its institutions'
events (members or in its area), its own records (hub, targets, terms, funding), advisers of its
area and the national figures; never another hub's."""

from __future__ import annotations

from pathlib import Path

from projections.audit import LogFilter, list_log, readable_by_hub
from tests.web.factories import services

MORE = {
    "terms": "hub_id,academic_year,term,starts_on,ends_on\ndorset,2019/20,spring,2020-01-06,2020-03-27\n"
    "solent,2019/20,spring,2020-01-07,2020-03-28\n",
    "targets": "hub_id,academic_year,metric,value\nsolent,2019/20,bm5_percent,60\n",
    "advisers": "adviser_ref,name,area\nEA-D,Dorset Person,Dorset\nEA-S,Solent Person,Solent\n",
    "institutions": "urn,name,kind,area,ean_joined_on\n100009,Area School,school,Dorset,2019-09-01\n",
}


def test_a_hub_auditor_reads_what_the_hub_owns_and_nothing_of_another_hub(app):
    hub = services(app).hub
    for kind, text in MORE.items():
        hub.import_file(kind, Path(f"{kind}.csv"), "admin", "more", data=text.encode())
    readable = readable_by_hub(hub.db, "dorset")
    seen = {(r["kind"], r["record_key"]) for r in list_log(hub.db, LogFilter()) if readable(r)}
    assert {
        ("terms", "dorset 2019/20 spring"),
        ("advisers", "EA-D"),
        ("institutions", "100009"),
        ("targets", "dorset 2019/20 bm5_percent"),
        ("national", "bm5_percent 2019-07-31"),
        ("hubs", "dorset"),
        ("funding", "F-1"),
    } <= seen
    assert not {key for key in seen if "solent" in key[1] or key[1] in ("EA-S", "200001")}
