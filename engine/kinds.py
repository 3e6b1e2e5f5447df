"""The catalogue of record kinds: per kind its import columns (DATA.md §2), key, valid date,
references, what it is about and who owns it, its personal fields and which are sealed at rest, and
its read-model indexes. Records, the import, the read model, redaction, encryption and the upload
and audit scopes all read it: a new kind is one entry here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

BENCHMARKS = tuple(range(1, 9))
METRICS = ("average_benchmarks",) + tuple(f"bm{b}_percent" for b in BENCHMARKS)
INSTITUTION_KINDS = ("school", "college", "special", "alternative_provision", "independent")
TERM_NAMES = ("autumn", "spring", "summer")
ENCOUNTER_KINDS = ("employer_encounter", "workplace_experience", "fe_he_encounter", "personal_guidance")
DEFINITION_SPANS = ("year", "cumulative")  # encounters counted within the academic year, or so far at the school


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "text"  # text|date|int|float|bool|percent|list|int_list|academic_year
    required: bool = False
    choices: tuple[str, ...] = ()
    default: object = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Reference:
    column: str
    kind: str  # the referenced KIND, keyed by this column's value (each item, for a list)
    when: tuple[str, str] | None = None  # (column, value): only rows where it holds
    also: tuple[str, ...] = ()  # further key columns of the referenced record, read from this row
    agrees: tuple[str, ...] = ()  # columns the referenced record must hold with this row's values
    within: tuple[str, str, str] | None = None  # (this row's date, its start, its end): in the referenced record's span


@dataclass(frozen=True)
class Derivation:
    """A stored column the importer computes right after parsing, from input columns it then drops:
    e.g. a learner's pseudonym from the school's own pupil identifier, which is never stored."""

    produces: str
    rule: str  # a rule of engine/importing/derive.py
    uses: tuple[str, ...] = ()  # stored columns it also reads
    consumes: tuple[Column, ...] = ()  # input-only columns: parsed, used, and never stored


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of record: its import format (DATA.md §2), what it is about and who owns it, what in
    it is personal, and how the read model indexes it. Everything else reads these declarations."""

    kind: str
    aggregate: str  # the name of its aggregate class (part of its events' stable topics)
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key columns; empty = the whole row
    valid_on: str | None  # the column giving the record's valid-time date
    references: tuple[Reference, ...] = ()
    ordered_dates: tuple[tuple[str, str], ...] = ()  # (start, end): end may not precede start
    optional_key: str | None = None  # encounters: encounter_ref when present
    # What a row is about, and who owns it (upload scope, audit scope): declared for every kind.
    institution: Reference | None  # the institution the row is about, or None
    hub_column: str | None = None  # names the hub the row belongs to
    area_column: str | None = None  # names the area that owns the row
    hub_wide: bool = False  # changes every hub's figures: only users of all hubs may import it
    # Personal data (UK GDPR), declared for every kind: erased by `careerhub redact`. Sealed:
    # encrypted at rest in the read model when CAREERHUB_CIPHER_KEY is set.
    personal: tuple[str, ...]
    sealed: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()  # read-model indexes (each also ends in the log position)
    derive: tuple[Derivation, ...] = ()  # columns computed at import (not in the file), in order
    # Personal fields that are keyed hashes made at import (a Derivation): pseudonyms, not sealed, so the
    # read model can join on them; erased by `careerhub redact` all the same.
    pseudonymous: tuple[str, ...] = ()

    def institution_of(self, values: dict[str, object]) -> str | None:
        """The URN of the institution a row is about, if any."""
        reference = self.institution
        if reference is None or (reference.when and values.get(reference.when[0]) != reference.when[1]):
            return None
        value = values.get(reference.column)
        return str(value) if value is not None else None

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def input_kind(self) -> Kind:
        """The kind as its import file has it: derived columns absent, the columns they consume present."""
        if not self.derive:
            return self
        produced = {d.produces for d in self.derive}
        consumed = tuple(c for d in self.derive for c in d.consumes)
        return replace(self, columns=(*consumed, *(c for c in self.columns if c.name not in produced)), derive=())

    def input_column(self, name: str) -> str:
        """The import file's column behind a stored one: a derived column's first consumed or used input."""
        derivation = next((d for d in self.derive if d.produces == name), None)
        if derivation is None:
            return name
        return next(iter([c.name for c in derivation.consumes] or derivation.uses), name)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _text(name: str, required: bool = False, choices: tuple[str, ...] = ()) -> Column:
    return Column(name, "text", required, choices)


def _date(name: str, required: bool = False) -> Column:
    return Column(name, "date", required)


ADVISER_PERSONAL = ("name", "employer", "skills", "postcode", "latitude", "longitude")  # a volunteer, a person
LATITUDE = Column("latitude", "float", minimum=-90, maximum=90)
LONGITUDE = Column("longitude", "float", minimum=-180, maximum=180)

INSTITUTION = Reference("urn", "institutions")
YEAR_GROUP = Column("year_group", "int", True, minimum=1, maximum=14)
# The school's own pupil identifier: consumed at import into learner_key = HMAC(hub key, urn, pupil_id).
PUPIL_ID = Column("pupil_id", "text", True)
LEARNER_KEY = Derivation("learner_key", "learner_key", uses=("urn",), consumes=(PUPIL_ID,))

KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind(
            kind="hubs",
            aggregate="Hub",
            columns=(_text("hub_id", True), _text("name", True), _text("area", True), _date("started_on")),
            key=("hub_id",),
            valid_on="started_on",
            institution=None,
            hub_column="hub_id",
            hub_wide=True,
            personal=(),
            indexes=(("hub_id",),),
        ),
        Kind(
            kind="targets",
            aggregate="Target",
            columns=(
                _text("hub_id", True),
                Column("academic_year", "academic_year", True),
                _text("metric", True, METRICS),
                Column("value", "float", True, minimum=0),
            ),
            key=("hub_id", "academic_year", "metric"),
            valid_on=None,
            references=(Reference("hub_id", "hubs"),),
            institution=None,
            hub_column="hub_id",
            personal=(),
            indexes=(("hub_id", "academic_year"),),
        ),
        Kind(
            kind="terms",
            aggregate="TermDates",  # a hub's own dates for a term, overriding the default calendar
            columns=(
                _text("hub_id", True),
                Column("academic_year", "academic_year", True),
                _text("term", True, TERM_NAMES),
                _date("starts_on", True),
                _date("ends_on", True),
            ),
            key=("hub_id", "academic_year", "term"),
            valid_on="starts_on",
            references=(Reference("hub_id", "hubs"),),
            ordered_dates=(("starts_on", "ends_on"),),
            institution=None,
            hub_column="hub_id",
            personal=(),
        ),
        Kind(
            kind="national",
            aggregate="NationalFigure",
            columns=(
                _text("metric", True, METRICS),
                _date("published_on", True),
                Column("value", "float", True, minimum=0),
                Column("academic_year", "academic_year"),
            ),
            key=("metric", "published_on"),
            valid_on="published_on",
            institution=None,
            hub_wide=True,
            personal=(),
            indexes=(("metric", "published_on"),),
        ),
        Kind(
            kind="institutions",
            aggregate="Institution",
            columns=(
                _text("urn", True),
                _text("name", True),
                _text("kind", True, INSTITUTION_KINDS),
                _text("area", True),
                _text("postcode"),
                LATITUDE,
                LONGITUDE,
                _text("cluster"),
                _date("ean_joined_on"),
                _date("ean_left_on"),
                _text("hub_id"),
                _date("hub_joined_on"),
                _date("hub_left_on"),
                Column("disadvantaged", "bool", default=False),
            ),
            key=("urn",),
            valid_on="ean_joined_on",
            references=(Reference("hub_id", "hubs"),),
            ordered_dates=(("ean_joined_on", "ean_left_on"), ("hub_joined_on", "hub_left_on")),
            institution=INSTITUTION,
            hub_column="hub_id",
            area_column="area",
            personal=(),
            sealed=("name", "postcode"),  # an organisation, not a person; its name is sealed all the same
            indexes=(("hub_id",), ("area",), ("urn",)),
        ),
        Kind(
            kind="advisers",
            aggregate="EnterpriseAdviser",
            columns=(
                _text("adviser_ref", True),
                _text("name", True),
                _text("employer"),
                _text("sector"),
                Column("skills", "list"),
                _text("postcode"),
                LATITUDE,
                LONGITUDE,
                Column("capacity", "int", default=1, minimum=0, maximum=100),
                Column("max_travel_km", "float", default=40.0, minimum=0, maximum=1000),
                _date("available_from"),
                _date("available_until"),
                Column("conflicts", "list"),
                _text("area"),
            ),
            key=("adviser_ref",),
            valid_on="available_from",
            references=(Reference("conflicts", "institutions"),),
            ordered_dates=(("available_from", "available_until"),),
            institution=None,
            area_column="area",
            personal=ADVISER_PERSONAL,
            sealed=ADVISER_PERSONAL,
            indexes=(("adviser_ref",),),
        ),
        Kind(
            kind="matches",
            aggregate="Match",
            columns=(_text("urn", True), _text("adviser_ref", True), _date("matched_on", True), _date("ended_on")),
            key=("urn", "adviser_ref", "matched_on"),
            valid_on="matched_on",
            references=(INSTITUTION, Reference("adviser_ref", "advisers")),
            ordered_dates=(("matched_on", "ended_on"),),
            institution=INSTITUTION,
            personal=(),
            indexes=(("urn", "matched_on"), ("adviser_ref",)),
        ),
        Kind(
            kind="assessments",
            aggregate="Assessment",
            columns=(_text("urn", True), _date("assessed_on", True), *(Column(f"bm{b}", "percent", True) for b in BENCHMARKS)),
            key=("urn", "assessed_on"),
            valid_on="assessed_on",
            references=(INSTITUTION,),
            institution=INSTITUTION,
            personal=(),
            indexes=(("urn", "assessed_on"),),
        ),
        Kind(
            kind="encounters",
            aggregate="Encounter",
            columns=(
                _text("encounter_ref"),
                _text("urn", True),
                _date("occurred_on", True),
                _text("kind", True, ENCOUNTER_KINDS),
                _text("provider"),
                Column("year_groups", "int_list", minimum=1, maximum=14),
                Column("students", "int", minimum=0),
            ),
            key=(),
            valid_on="occurred_on",
            references=(INSTITUTION,),
            optional_key="encounter_ref",
            institution=INSTITUTION,
            personal=(),
            indexes=(("urn", "occurred_on"), ("encounter_ref",)),
        ),
        Kind(
            kind="funding",
            aggregate="FundingApplication",
            columns=(
                _text("application_ref", True),
                _text("hub_id", True),
                _text("stream", True, ("institutional", "collaborative")),
                _text("applicant", True),
                Column("amount_requested", "float", True, minimum=0),
                _date("applied_on", True),
                Column("focus", "list"),
                _text("decision", False, ("approved", "rejected")),
                _date("decided_on"),
                Column("amount_awarded", "float", minimum=0),
            ),
            key=("application_ref",),
            valid_on="applied_on",
            references=(Reference("hub_id", "hubs"), Reference("applicant", "institutions", when=("stream", "institutional"))),
            ordered_dates=(("applied_on", "decided_on"),),
            institution=Reference("applicant", "institutions", when=("stream", "institutional")),
            hub_column="hub_id",
            personal=(),
            indexes=(("hub_id", "applied_on"),),
        ),
        Kind(
            kind="learners",
            aggregate="Learner",  # one per learner, school and academic year; pseudonymous
            columns=(
                _text("urn", True),
                _text("learner_key"),
                YEAR_GROUP,
                Column("academic_year", "academic_year", True),
                Column("disadvantaged", "bool", default=False),
                Column("send", "bool", default=False),
                _date("on_roll_from"),
                _date("on_roll_until"),
            ),
            key=("learner_key", "academic_year"),
            valid_on="on_roll_from",
            references=(INSTITUTION,),
            ordered_dates=(("on_roll_from", "on_roll_until"),),
            institution=INSTITUTION,
            derive=(LEARNER_KEY,),
            personal=("learner_key",),
            pseudonymous=("learner_key",),
            indexes=(("urn", "academic_year"), ("learner_key",)),
        ),
        Kind(
            kind="participations",
            aggregate="Participation",  # a learner took part in a recorded encounter
            columns=(
                _text("learner_key"),
                _text("encounter_ref", True),
                _text("urn", True),
                _date("participated_on", True),
                Column("academic_year", "academic_year"),
            ),
            key=("learner_key", "encounter_ref"),
            valid_on="participated_on",
            references=(
                INSTITUTION,
                Reference("encounter_ref", "encounters", agrees=("urn",)),
                Reference(
                    "learner_key",
                    "learners",
                    also=("academic_year",),
                    agrees=("urn",),
                    within=("participated_on", "on_roll_from", "on_roll_until"),
                ),
            ),
            institution=INSTITUTION,
            derive=(LEARNER_KEY, Derivation("academic_year", "academic_year", uses=("participated_on",))),
            personal=("learner_key",),
            pseudonymous=("learner_key",),
            indexes=(("learner_key",), ("urn", "participated_on")),
        ),
        Kind(
            kind="definitions",
            aggregate="BenchmarkDefinition",  # what counts toward a benchmark, from a date
            columns=(
                _text("definition", True),
                Column("benchmark", "int", True, minimum=1, maximum=8),
                _date("in_force_from", True),
                _date("in_force_until"),
                Column("encounter_kinds", "list"),
                Column("year_groups", "int_list", minimum=1, maximum=14),
                Column("required", "int", default=1, minimum=1, maximum=100),
                _text("span", True, DEFINITION_SPANS),
                _text("wording"),
            ),
            key=("definition", "benchmark"),
            valid_on="in_force_from",
            ordered_dates=(("in_force_from", "in_force_until"),),
            institution=None,
            hub_wide=True,
            personal=(),
            indexes=(("benchmark", "in_force_from"),),
        ),
    )
}
