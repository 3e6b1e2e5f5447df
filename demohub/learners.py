"""The demo's learner extension (issue 13): pseudonymous learners of two Dorset schools in 2019/20 and
who took part in the demo's recorded employer encounters, as the files a school would export from its
information system. `python -m demohub.learners` rewrites demohub/dorset-learners/ deterministically.
Loaded after the demo hub by `careerhub demo learners`; the demo's own steps are untouched."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from demohub.steps import DemoStep, write_history

FOLDER = Path(__file__).resolve().parent / "dorset-learners"
ACTOR = "hub.lead@dorset.example"
# urn, encounter_ref (an employer encounter of the demo for years 10 and 11), year 10 learners, of them
# disadvantaged, reached, disadvantaged reached: Colmer claims BM5 100 % but reached 25 of 30 (5 of 7).
SCHOOLS = (("125699", "ENC0465", "2020-02-13", 30, 7, 25, 5), ("117712", "ENC0397", "2019-12-16", 24, 6, 24, 6))


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def learner_history() -> list[DemoStep]:
    learners, participations = [], []
    for urn, encounter, day, count, disadvantaged, reached, disadvantaged_reached in SCHOOLS:
        for i in range(count):
            pupil = f"{urn[-3:]}-{2015000 + i}"  # the school's own admission number: never stored
            is_disadvantaged = i < disadvantaged
            learners.append(
                {
                    "pupil_id": pupil,
                    "urn": urn,
                    "year_group": "10",
                    "academic_year": "2019/20",
                    "disadvantaged": "true" if is_disadvantaged else "false",
                    "send": "false",
                }
            )
            took_part = (i < disadvantaged_reached) if is_disadvantaged else (i - disadvantaged < reached - disadvantaged_reached)
            if took_part:
                participations.append({"pupil_id": pupil, "encounter_ref": encounter, "urn": urn, "participated_on": day})
    return [
        DemoStep(
            "learners",
            "01-learners.csv",
            _csv(learners),
            ACTOR,
            "Year 10 rolls of two schools for 2019/20, pseudonymised at import",
        ),
        DemoStep(
            "participations",
            "02-participations.csv",
            _csv(participations),
            ACTOR,
            "who took part in the schools' employer encounters, 2019/20",
        ),
    ]


def main() -> None:
    write_history(learner_history(), FOLDER)
    print(f"learner extension written to {FOLDER}")


if __name__ == "__main__":
    main()
