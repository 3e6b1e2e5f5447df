"""The web UI's own reads and writes work the same on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re

from tests.web.conftest import loaded_app
from tests.web.factories import services, sign_in


def test_a_day_of_work_through_the_web_on_each_backend(database_url):
    app = loaded_app(database_url)
    try:
        coordinator = sign_in(app, "coordinator")
        response = coordinator.post(
            "/data/",
            {
                "kind": "assessments",
                "file": (
                    io.BytesIO(
                        b"urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n100001,2020-02-20,100,100,100,100,100,100,100,100\n"
                    ),
                    "spring.csv",
                ),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 200 and "1 events recorded" in response.text
        lead = sign_in(app, "lead")
        page = lead.get("/dashboard/dorset?as_of=2020-02-25").text
        assert re.search(r'data-figure="average_benchmarks">\s*5.67<', page)  # (8 + 6 + 3) / 3
        assert sign_in(app, "lead.solent").get("/audit/institutions/100001").status_code == 403
        log = lead.get("/audit/log.jsonl").text
        assert "spring.csv:2" in log and "200001" not in log
        admin = sign_in(app, "admin")
        assert "lead.solent" in admin.get("/auth/users").text
        assert admin.post("/auth/sign-out").status_code == 302
        assert admin.get("/auth/users").status_code == 302
    finally:
        services(app).hub.close()
