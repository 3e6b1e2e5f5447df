"""Given a hub with its own term dates, data_required counts from the hub's term start."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from config.settings import load_settings
from projections.report import Query
from service.hub import HubService

FILES = {
    "hubs": "hub_id,name,area\nh1,Hub One,Area\n",
    "institutions": "urn,name,kind,area,hub_id,hub_joined_on\n100001,One,school,Area,h1,2019-01-01\n",
    "assessments": "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n100001,2020-01-03,100,0,0,0,0,0,0,0\n",
}


def test_an_assessment_in_the_christmas_holiday_is_before_the_hubs_spring_term(sqlite_url):
    hub = HubService(load_settings(sqlite_url, "t"))
    for kind, text in FILES.items():
        hub.import_file(kind, Path(f"{kind}.csv"), "t", data=text.encode())
    assert hub.report(Query("h1", date(2020, 1, 10))).to_json()["data_required"] == 0
    hub.import_file(
        "terms",
        Path("terms.csv"),
        "t",
        data=b"hub_id,academic_year,term,starts_on,ends_on\nh1,2019/20,spring,2020-01-06,2020-04-03\n",
    )
    report = hub.report(Query("h1", date(2020, 1, 10))).to_json()
    assert report["term"] == {"name": "spring", "academic_year": "2019/20", "starts_on": "2020-01-06", "ends_on": "2020-04-03"}
    assert report["data_required"] == 1 and report["assessed"] == 1
    hub.close()
