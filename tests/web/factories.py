"""A small two-hub dataset whose figures can be worked out by hand, and helpers to drive the web UI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from service.hub import HubService

PASSWORD = "a test password"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # tests only: fast, same format

# Dorset (area Dorset): 100001 and 100002 join on 2019-09-01, 100003 on 2020-01-15. Solent: 200001.
# Benchmarks fully achieved: 100001 on 2019-10-15: 5; 100002 on 2019-11-01: 2, on 2020-02-01: 6;
# 100003 on 2020-02-10: 3. So as of 2019-12-31: average (5+2)/2 = 3.5, BM5 50 %, nothing owed;
# as of 2020-02-15: average (5+6+3)/3 = 4.67, BM5 66.7 %, 100001 owes data since 2020-01-01.
FILES: dict[str, str] = {
    "hubs": "hub_id,name,area,started_on\ndorset,Dorset Careers Hub,Dorset,2019-09-01\n"
    "solent,Solent Careers Hub,Solent,2019-09-01\n",
    "targets": "hub_id,academic_year,metric,value\ndorset,2019/20,average_benchmarks,4\n"
    "dorset,2019/20,bm5_percent,50\ndorset,2019/20,bm6_percent,50\n",
    "national": "metric,published_on,value,academic_year\naverage_benchmarks,2019-07-31,3,2018/19\n"
    "bm5_percent,2019-07-31,52,2018/19\n",
    "institutions": (
        "urn,name,kind,area,latitude,longitude,cluster,ean_joined_on,hub_id,hub_joined_on,disadvantaged\n"
        "100001,Castle School,school,Dorset,50.71,-2.44,west,2019-09-01,dorset,2019-09-01,true\n"
        "100002,Harbour College,college,Dorset,50.72,-1.98,east,2019-09-01,dorset,2019-09-01,false\n"
        "100003,Heath School,school,Dorset,50.70,-2.10,east,2019-09-01,dorset,2020-01-15,false\n"
        "200001,Solent School,school,Solent,50.90,-1.40,,2019-09-01,solent,2019-09-01,false\n"
    ),
    "advisers": (
        "adviser_ref,name,employer,sector,skills,latitude,longitude,capacity,max_travel_km,available_from\n"
        "EA-1,Ada Byron,Engines Ltd,engineering,stem,50.70,-2.40,2,40,2019-09-01\n"
        "EA-2,Grace Hopper,Compilers Ltd,information,stem;mentoring,50.72,-2.00,1,40,2019-09-01\n"
    ),
    "matches": "urn,adviser_ref,matched_on\n100001,EA-1,2019-10-01\n",
    "assessments": (
        "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n"
        "100001,2019-10-15,100,100,100,100,100,50,0,0\n"
        "100002,2019-11-01,100,100,0,0,0,0,0,0\n"
        "100002,2020-02-01,100,100,100,100,100,100,0,0\n"
        "100003,2020-02-10,100,100,100,0,0,0,0,0\n"
        "200001,2019-10-01,100,100,100,100,100,100,100,100\n"
    ),
    "funding": (
        "application_ref,hub_id,stream,applicant,amount_requested,applied_on,decision,decided_on,amount_awarded\n"
        "F-1,dorset,institutional,100001,1500,2019-10-01,approved,2019-11-01,1200\n"
    ),
}
# A correction recorded later: 100002's February assessment loses BM6 (6 -> 5 achieved), so as of
# 2020-02-15 the average falls from 14/3 to 13/3 and BM6 from 33.3 % to 0 %.
CORRECTION = "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n100002,2020-02-01,100,100,100,100,100,0,0,0\n"

USERS = (
    ("admin", "admin", None),
    ("lead", "hub_lead", "dorset"),
    ("coordinator", "coordinator", "dorset"),
    ("auditor", "auditor", "dorset"),
    ("lead.solent", "hub_lead", "solent"),
    ("auditor.all", "auditor", None),
)


def load_hubs(service: HubService, actor: str = "loader") -> None:
    for kind, text in FILES.items():
        service.import_file(kind, Path(f"{kind}.csv"), actor, "test data", data=text.encode())


def services(app: Flask) -> Any:
    return app.extensions["careerhub"]


def add_users(app: Flask) -> None:
    users = services(app).users
    for name, role, hub_id in USERS:
        users.add_user(name, role, hub_id, PASSWORD, "setup")


def event_count(app: Flask) -> int:
    return services(app).hub.app.last_position()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@dataclass
class Browser:
    """A test client with the CSRF token of its session, as a browser would have it from a page."""

    client: FlaskClient
    token: str

    def get(self, path: str, htmx: bool = False, **headers: str) -> Any:
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(path, headers=headers)

    def post(self, path: str, data: dict[str, Any] | None = None, htmx: bool = False, **kwargs: Any) -> Any:
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if htmx else {}
        form = dict(data or {})
        if not htmx:
            form["csrf_token"] = self.token
        return self.client.post(path, data=form, headers=headers, **kwargs)


def sign_in(app: Flask, name: str | None, password: str = PASSWORD) -> Browser:
    """A client signed in through the sign-in form (None: an anonymous visitor)."""
    client = app.test_client()
    token = csrf_token(client.get("/auth/sign-in").text)
    if name is None:
        return Browser(client, token)
    response = client.post("/auth/sign-in", data={"name": name, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"sign-in as {name} failed: {response.status_code}"
    return Browser(client, csrf_token(client.get("/auth/sign-in").text))
