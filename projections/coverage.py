"""Measured coverage: of a school's learners in a year group, the share with the encounters a benchmark
asks for (its definition in force on the day, or a named one), the share of disadvantaged learners,
and who is not yet reached. Set-based: a few grouped queries over rm_learners, rm_participations and
rm_encounters, whatever the number of learners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from config.calendar import academic_year_of, parse_academic_year
from engine.records import REDACTED
from engine.sql import Database
from projections.queries import Known, known_rows, latest_assessments, list_members, visible

MEASURED = (5, 6, 7, 8)  # the benchmarks encounters can evidence


@dataclass(frozen=True)
class Definition:
    """What counts toward one benchmark under one version of the benchmarks (a `definitions` record)."""

    name: str
    benchmark: int
    in_force_from: str
    in_force_until: str | None
    encounter_kinds: tuple[str, ...]
    year_groups: tuple[int, ...]
    required: int
    span: str  # year: within the academic year; cumulative: so far at the school
    wording: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "definition": self.name,
            "in_force_from": self.in_force_from,
            "in_force_until": self.in_force_until,
            "encounter_kinds": list(self.encounter_kinds),
            "year_groups": list(self.year_groups),
            "required": self.required,
            "span": self.span,
            "wording": self.wording,
        }


def as_definition(row: dict[str, Any]) -> Definition:
    return Definition(
        row["definition"],
        row["benchmark"],
        row["in_force_from"],
        row["in_force_until"],
        tuple(k for k in (row["encounter_kinds"] or "").split(";") if k),
        tuple(int(y) for y in str(row["year_groups"] or "").split(";") if y),
        row["required"] or 1,
        row["span"],
        row["wording"],
    )


def definitions_for(known: Known, day: date, name: str | None = None) -> dict[int, Definition]:
    """Per benchmark, the definition in force on the day (the latest to come into force), or the one named."""
    if name is not None:
        rows = known_rows(known, "definitions", "definition = ?", (name,))
    else:
        rows = known_rows(
            known,
            "definitions",
            "in_force_from <= ? AND (in_force_until IS NULL OR in_force_until >= ?)",
            (day.isoformat(), day.isoformat()),
        )
    chosen: dict[int, Definition] = {}
    for row in sorted(rows, key=lambda r: (r["benchmark"], r["in_force_from"])):
        chosen[row["benchmark"]] = as_definition(row)
    return {b: chosen[b] for b in sorted(chosen) if b in MEASURED}


def definition_names(known: Known) -> list[str]:
    return sorted({r["definition"] for r in known_rows(known, "definitions")})


def window(definition: Definition, academic_year: str, day: date) -> tuple[str, str]:
    """The days whose participations count: from the year's start (or ever) to the day, within the year."""
    start = parse_academic_year(academic_year)
    last = min(day, date(start + 1, 8, 31)).isoformat()
    return (date(start, 9, 1).isoformat() if definition.span == "year" else "0001-01-01"), last


def cohort_and_met(
    known: Known, urns: list[str], academic_year: str, day: date, definition: Definition
) -> tuple[str, tuple[Any, ...]]:
    """SQL: each learner on roll on the day (year groups the definition measures) with the number of
    qualifying encounters they took part in; columns urn, year_group, learner_key, disadvantaged, met."""
    first, last = window(definition, academic_year, day)
    one_of, n, on = known.db.backend.one_of, known.position, day.isoformat()
    learner_urns, learner_urn_params = one_of("l.urn", urns)
    groups, group_params = one_of("l.year_group", definition.year_groups)
    taker_urns, taker_urn_params = one_of("p.urn", urns)
    kinds, kind_params = one_of("e.kind", definition.encounter_kinds)
    sql = (
        "WITH cohort AS (SELECT l.urn, l.year_group, l.learner_key, l.disadvantaged FROM rm_learners l"
        f" WHERE {visible('l')} AND {learner_urns} AND l.academic_year = ? AND l.learner_key <> ? AND {groups}"
        " AND (l.on_roll_from IS NULL OR l.on_roll_from <= ?) AND (l.on_roll_until IS NULL OR l.on_roll_until > ?)),"
        " met AS (SELECT p.urn, p.learner_key, COUNT(DISTINCT p.encounter_ref) AS encounters"
        " FROM rm_participations p JOIN rm_encounters e ON e.encounter_ref = p.encounter_ref AND e.urn = p.urn"
        f" AND {visible('e')} WHERE {visible('p')} AND {taker_urns} AND {kinds}"
        " AND p.participated_on >= ? AND p.participated_on <= ? GROUP BY p.urn, p.learner_key)"
        " SELECT c.urn, c.year_group, c.learner_key, c.disadvantaged, COALESCE(m.encounters, 0) AS met"
        " FROM cohort c LEFT JOIN met m ON m.urn = c.urn AND m.learner_key = c.learner_key"
    )
    cohort = (n, n, *learner_urn_params, academic_year, REDACTED, *group_params, on, on)
    return sql, (*cohort, n, n, n, n, *taker_urn_params, *kind_params, first, last)


def coverage_by_year_group(
    known: Known, urns: list[str], academic_year: str, day: date, definition: Definition
) -> list[dict[str, Any]]:
    """Per school and year group: learners, reached, and the same for disadvantaged learners."""
    if not urns or not definition.year_groups or not definition.encounter_kinds:
        return []
    inner, params = cohort_and_met(known, urns, academic_year, day, definition)
    rows = known.db.query(
        f"SELECT urn, year_group, COUNT(*) AS learners, SUM(CASE WHEN met >= ? THEN 1 ELSE 0 END) AS reached,"
        " SUM(disadvantaged) AS disadvantaged_learners,"
        " SUM(CASE WHEN disadvantaged = 1 AND met >= ? THEN 1 ELSE 0 END) AS disadvantaged_reached"
        f" FROM ({inner}) AS learners GROUP BY urn, year_group ORDER BY urn, year_group",
        (definition.required, definition.required, *params),
    )
    return [
        {
            "urn": r["urn"],
            "benchmark": definition.benchmark,
            "year_group": int(r["year_group"]),
            **share(int(r["learners"]), int(r["reached"] or 0)),
            "disadvantaged": share(int(r["disadvantaged_learners"] or 0), int(r["disadvantaged_reached"] or 0)),
        }
        for r in rows
    ]


def unreached_learners(known: Known, urn: str, academic_year: str, day: date, definition: Definition) -> list[dict[str, Any]]:
    """The school's learners (pseudonyms) without the encounters the definition asks for: for the school only."""
    if not definition.year_groups or not definition.encounter_kinds:
        return []
    inner, params = cohort_and_met(known, [urn], academic_year, day, definition)
    rows = known.db.query(
        f"SELECT year_group, learner_key, disadvantaged, met FROM ({inner}) AS learners WHERE met < ?"
        " ORDER BY year_group, learner_key",
        (*params, definition.required),
    )
    return [
        {
            "year_group": int(r["year_group"]),
            "learner_key": r["learner_key"],
            "disadvantaged": bool(r["disadvantaged"]),
            "encounters": int(r["met"]),
        }
        for r in rows
    ]


def share(learners: int, reached: int) -> dict[str, Any]:
    return {"learners": learners, "reached": reached, "percent": 100 * reached / learners if learners else None}


SMALL, WITHHELD = "small", "withheld"  # why a hub or cluster view shows no figure


def suppressed(figure: dict[str, Any], minimum: int, why: str | None = None) -> dict[str, Any]:
    """A hub or cluster view's figure: from fewer than `minimum` learners only "<minimum" is shown (why
    SMALL, or unsaid: the figure's own size decides); a figure withheld to protect a small one beside it
    (why WITHHELD) shows "withheld"."""
    if why is None:
        why = SMALL if 0 < figure["learners"] < minimum else None
    if why is None:
        return {**figure, "suppressed": False}
    return {"learners": f"<{minimum}" if why == SMALL else WITHHELD, "reached": None, "percent": None, "suppressed": True}


# --- complementary suppression -------------------------------------------------------------------
# A hub's measured coverage is one set of counts shown through several views: the hub's (each benchmark's
# total and every school year group) and each cluster's (its total and its schools' year groups). A count
# is a key: ("cell", urn, year group), the same learners for every benchmark measuring the year group;
# and the views' totals, each known by the cells it adds up (sum_key). Each total is a Sum of parts: the
# hub's (per benchmark) of its clusters' totals and of its schools without a cluster; a cluster's of its cells.

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Sum:
    total: Key
    parts: tuple[Key, ...]


def determined(sums: list[Sum], hidden: set[Key]) -> list[Key]:
    """The hidden counts that the shown ones give away: those a combination of the sums (each total minus
    its parts is zero) fixes once every shown count is put in. Exact linear algebra over the rationals on
    the hidden counts only (a few per hub): reduced row echelon form, where a hidden count is fixed exactly
    when its pivot row has no other entry."""
    columns = sorted({k for s in sums for k in (s.total, *s.parts) if k in hidden})
    index = {k: i for i, k in enumerate(columns)}
    pivots: dict[int, dict[int, Fraction]] = {}
    for s in sums:
        row: dict[int, Fraction] = {}
        for key, sign in ((s.total, 1), *((p, -1) for p in s.parts)):
            if key in index:
                row[index[key]] = row.get(index[key], Fraction(0)) + sign
        for col, pivot in pivots.items():
            if row.get(col):
                factor = row[col]
                for c, v in pivot.items():
                    row[c] = row.get(c, Fraction(0)) - factor * v
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        lead = row[col]
        row = {c: v / lead for c, v in row.items()}
        for other in pivots.values():
            if other.get(col):
                factor = other[col]
                for c, v in row.items():
                    other[c] = other.get(c, Fraction(0)) - factor * v
                for c in [c for c, v in other.items() if not v]:
                    del other[c]
        pivots[col] = row
    return [columns[col] for col, row in sorted(pivots.items()) if len(row) == 1]


def complementary(values: dict[Key, int], sums: list[Sum], why: dict[Key, str]) -> dict[Key, str]:
    """Grow the suppressed counts (key -> SMALL or WITHHELD) until no shown total, less the shown counts
    beside it, gives one of them away: while some suppressed count is so determined (in the simplest case
    it is the only one suppressed in a sum whose total is shown), also withhold the next-smallest shown
    count of a sum it is in (cells before totals; the first in that order that frees it, else the
    smallest). Each round withholds one more count, so it ends."""
    why = dict(why)
    while found := determined(sums, set(why)):
        for x in found:  # the first given away that has a shown count beside it in some sum
            near = {k for s in sums if x in (s.total, *s.parts) for k in (s.total, *s.parts) if k not in why}
            if near:
                break
        else:  # given away through sums none of whose shown counts is beside it: any of theirs
            near = {k for s in sums if why.keys() & {s.total, *s.parts} for k in (s.total, *s.parts) if k not in why}
        if not near:  # not reached: a count is given away only through some sum that shows a count
            raise AssertionError(f"no count to withhold for {found}")
        order = sorted(near, key=lambda k: (values[k] == 0, k[0] != "cell", values[k], k))
        why[next((k for k in order if x not in determined(sums, {*why, k})), order[0])] = WITHHELD
    return why


@dataclass(frozen=True)
class Protection:
    """Why each count of a hub's measured coverage is not shown (learners, and disadvantaged learners),
    and the count each view's total is: ("hub", benchmark) or ("cluster", benchmark, cluster) -> key."""

    learners: dict[Key, str]
    disadvantaged: dict[Key, str]
    totals: dict[Key, Key]


def sum_key(cells: list[Key]) -> Key:
    """A total is known by the cells it adds up: the same cells give the same number whichever benchmark
    or view shows it (BM6, BM7 and BM8 measure the same year groups; a cluster of one cell is that cell)."""
    return cells[0] if len(cells) == 1 else ("sum", tuple(sorted(cells)))


def protection(rows: list[dict[str, Any]], clusters: dict[str, str | None], minimum: int) -> Protection:
    """One suppression pattern for all of a hub's views (its own and each cluster's): counts from fewer than
    `minimum` learners (SMALL), then complementary suppression (WITHHELD) of the learners, then of the
    disadvantaged learners, where a suppressed cell or total suppresses its disadvantaged count too.
    Reached counts follow their learners' pattern (the same sums over the same cells)."""
    sums: set[Sum] = set()
    learners: dict[Key, int] = {}
    disadvantaged: dict[Key, int] = {}
    totals: dict[Key, Key] = {}

    def add(scope: Key, cells: list[Key], parts: list[Key]) -> Key:
        key = sum_key(cells)
        learners[key], disadvantaged[key] = sum(learners[k] for k in cells), sum(disadvantaged[k] for k in cells)
        if len(parts) > 1:
            sums.add(Sum(key, tuple(sorted(parts))))
        totals[scope] = key
        return key

    for b in sorted({r["benchmark"] for r in rows}):
        by_cluster: dict[str | None, list[Key]] = {}
        for r in rows:
            if r["benchmark"] == b:
                key = ("cell", r["urn"], r["year_group"])
                by_cluster.setdefault(clusters.get(r["urn"]) or None, []).append(key)
                learners[key], disadvantaged[key] = r["learners"], r["disadvantaged"]["learners"]
        parts: list[Key] = list(by_cluster.get(None, []))
        parts += [add(("cluster", b, c), cells, cells) for c, cells in sorted(by_cluster.items(), key=lambda kv: str(kv[0])) if c]
        add(("hub", b), [k for cells in by_cluster.values() for k in cells], parts)
    ordered = sorted(sums, key=lambda s: (s.total, s.parts))
    small = {k: SMALL for k, v in learners.items() if 0 < v < minimum}
    hidden = complementary(learners, ordered, small)
    small_dis = {k: SMALL for k, v in disadvantaged.items() if 0 < v < minimum}
    withheld = complementary(disadvantaged, ordered, {**{k: WITHHELD for k in hidden}, **small_dis})
    return Protection(hidden, withheld, totals)


def total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    learners, reached = sum(r["learners"] for r in rows), sum(r["reached"] for r in rows)
    dis = [r["disadvantaged"] for r in rows]
    return {**share(learners, reached), "disadvantaged": share(sum(d["learners"] for d in dis), sum(d["reached"] for d in dis))}


def gap_flag(self_assessed: int | None, measured: dict[str, Any]) -> bool | None:
    """Achieved needs every learner: a self-assessed 100 % beside a measured share below it is a gap."""
    if self_assessed is None or measured.get("percent") is None:
        return None
    return self_assessed == 100 and measured["percent"] < 100


def school_coverage(
    known: Known, urns: list[str], day: date, definitions: dict[int, Definition], self_assessed: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per school, benchmark and year group: measured beside self-assessed (the latest assessment), gap flagged."""
    year = academic_year_of(day)
    rows = []
    for definition in definitions.values():
        for row in coverage_by_year_group(known, urns, year, day, definition):
            assessment = self_assessed.get(row["urn"])
            claimed = assessment[f"bm{definition.benchmark}"] if assessment else None
            rows.append({**row, "definition": definition.name, "self_assessed_percent": claimed, "gap": gap_flag(claimed, row)})
            rows[-1]["message"] = gap_message(rows[-1])
    return sorted(rows, key=lambda r: (r["urn"], r["benchmark"], r["year_group"]))


def hub_view(rows: list[dict[str, Any]], minimum: int, guard: Protection) -> list[dict[str, Any]]:
    """School rows as a hub or cluster view shows them: no figure where the pattern suppresses it, and so
    no gap."""
    shown = []
    for row in rows:
        key = ("cell", row["urn"], row["year_group"])
        figure = suppressed({k: row[k] for k in ("learners", "reached", "percent")}, minimum, guard.learners.get(key))
        shown.append(
            {
                **row,
                **figure,
                "disadvantaged": suppressed(row["disadvantaged"], minimum, guard.disadvantaged.get(key)),
                "gap": None if figure["suppressed"] else row["gap"],
            }
        )
        shown[-1]["message"] = gap_message(shown[-1])
    return shown


def measured_coverage(
    known: Known, hub_id: str, day: date, definitions: str | None = None, cluster: str | None = None, minimum: int = 5
) -> dict[str, Any]:
    """The hub's (or a cluster's) measured coverage on the day, beside each member's self-assessment,
    with small numbers suppressed and the figures that would give them away withheld: the report's
    `measured_coverage`. The pattern is the whole hub's, so that no view adds to another what it hides."""
    members = list_members(known, hub_id, day)
    urns = [m["urn"] for m in members]
    chosen = definitions_for(known, day, definitions)
    every = school_coverage(known, urns, day, chosen, latest_assessments(known, urns, day))
    totals, rows = view_of(every, {m["urn"]: m["cluster"] for m in members}, cluster, minimum, list(chosen))
    names = {m["urn"]: m["name"] for m in members}
    return {
        "academic_year": academic_year_of(day),
        "as_of": day.isoformat(),
        "definitions_asked": definitions,
        "minimum_learners": minimum,
        "definitions": {str(b): d.to_json() for b, d in chosen.items()},
        "benchmarks": totals,
        "institutions": [{"name": names.get(r["urn"]), **r} for r in rows],
    }


def view_of(
    every: list[dict[str, Any]], clusters: dict[str, str | None], cluster: str | None, minimum: int, benchmarks: list[int]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """One view of a hub's school rows (all its members' `school_coverage`): the hub's, or a cluster's
    (cluster: its name). Each benchmark's total and the school rows, as the hub's one pattern shows them."""
    guard = protection(every, clusters, minimum)
    rows = [r for r in every if not cluster or clusters.get(r["urn"]) == cluster]

    def shown_total(b: int) -> dict[str, Any]:
        t = total([r for r in rows if r["benchmark"] == b])
        key = guard.totals.get(("cluster", b, cluster) if cluster else ("hub", b), ())
        return {
            **suppressed({k: t[k] for k in ("learners", "reached", "percent")}, minimum, guard.learners.get(key)),
            "disadvantaged": suppressed(t["disadvantaged"], minimum, guard.disadvantaged.get(key)),
        }

    return {str(b): shown_total(b) for b in benchmarks}, hub_view(rows, minimum, guard)


def measured_long_rows(coverage: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """A hub or cluster view (`measured_coverage`) as rows of the board's long table (figure, block, as_of,
    value): each benchmark's total, then each school and year group, every figure as the view shows it
    (a suppressed one as "<5", its reached and percent empty)."""
    as_of, rows = coverage["as_of"], []

    def figures(prefix: str, f: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
        d = f["disadvantaged"]
        return [
            (f"{prefix}.{name}", "measured", as_of, value)
            for name, value in (
                ("learners", f["learners"]),
                ("reached", f["reached"]),
                ("percent", f["percent"]),
                ("disadvantaged.learners", d["learners"]),
                ("disadvantaged.reached", d["reached"]),
                ("disadvantaged.percent", d["percent"]),
            )
        ]

    for b, t in coverage["benchmarks"].items():
        rows += figures(f"measured.bm{b}", t)
    for r in coverage["institutions"]:
        prefix = f"measured.bm{r['benchmark']}.{r['urn']}.year_{r['year_group']}"
        rows += [
            (f"{prefix}.self_assessed_percent", "measured", as_of, r["self_assessed_percent"]),
            *figures(prefix, r),
            (f"{prefix}.gap", "measured", as_of, r["gap"]),
        ]
    return rows


def definitions_recorded(db: Database) -> bool:
    """Has any benchmark definition ever been recorded (even one since retracted)?"""
    return bool(db.scalar("SELECT COUNT(*) FROM rm_definitions"))


def school_measured(known: Known, urn: str, day: date, definitions: str | None = None) -> dict[str, Any]:
    """The school page's measured coverage: its own figures unsuppressed, and the learners not yet reached."""
    chosen = definitions_for(known, day, definitions)
    rows = school_coverage(known, [urn], day, chosen, latest_assessments(known, [urn], day))
    year = academic_year_of(day)
    unreached = {b: unreached_learners(known, urn, year, day, d) for b, d in chosen.items()}
    return {
        "academic_year": year,
        "definitions": {b: d.to_json() for b, d in chosen.items()},
        "rows": rows,
        "unreached": {b: u for b, u in unreached.items() if u},
    }


def gap_message(row: dict[str, Any]) -> str:
    """ "self-assessed BM5 100 %, measured 83 % of Year 10 (disadvantaged 71 %)"."""
    dis = row["disadvantaged"]
    said = (
        f"self-assessed BM{row['benchmark']} {row['self_assessed_percent']} %"
        if row.get("self_assessed_percent") is not None
        else f"BM{row['benchmark']} not self-assessed"
    )
    if row.get("suppressed") and row["learners"] == WITHHELD:
        return f"{said}, Year {row['year_group']} withheld (a smaller figure would follow from the total)"
    if row.get("suppressed"):
        return f"{said}, measured from {row['learners']} learners of Year {row['year_group']}"
    disadvantaged = f" (disadvantaged {dis['percent']:.0f} %)" if dis.get("percent") is not None else ""
    return f"{said}, measured {row['percent']:.0f} % of Year {row['year_group']}{disadvantaged}"


def learner_records(db: Database, learner_key: str) -> list[tuple[str, tuple[str, ...]]]:
    """(kind, natural key) of every record carrying a learner's pseudonym, any version: each year's
    learner record and each participation (what `careerhub redact learners KEY` erases)."""
    years = db.query(
        "SELECT DISTINCT academic_year FROM rm_learners WHERE learner_key = ? ORDER BY academic_year", (learner_key,)
    )
    refs = db.query(
        "SELECT DISTINCT encounter_ref FROM rm_participations WHERE learner_key = ? ORDER BY encounter_ref", (learner_key,)
    )
    return [("learners", (learner_key, r["academic_year"])) for r in years] + [
        ("participations", (learner_key, r["encounter_ref"])) for r in refs
    ]


def learners_recorded(db: Database) -> bool:
    return bool(db.scalar("SELECT COUNT(*) FROM rm_learners"))
