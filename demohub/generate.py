"""The generator of the demo hub's files: a deterministic, Dorset-like history of CSV import steps and
retractions, in recording order. Run by hand, `python -m demohub.generate` rewrites demohub/dorset/;
tests/demo/test_demo_files.py fails when the committed files differ from what it makes.

Everything is synthetic (names, URNs, postcodes, employers) but the places, coordinates, sectors
and the hub's headline figures follow the Dorset Careers Hub annex of early 2020.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from demohub.steps import FOLDER, DemoStep, Retraction, write_history

HUB_ID = "dorset"
AREA = "Dorset"
SEED = 20200202
MATCHING_DAY = date(2020, 2, 2)  # the day of the annex's "71 engaged, 54 matched"

COLUMNS: dict[str, tuple[str, ...]] = {
    "hubs": ("hub_id", "name", "area", "started_on"),
    "targets": ("hub_id", "academic_year", "metric", "value"),
    "national": ("metric", "published_on", "value", "academic_year"),
    "institutions": (
        "urn",
        "name",
        "kind",
        "area",
        "postcode",
        "latitude",
        "longitude",
        "cluster",
        "ean_joined_on",
        "ean_left_on",
        "hub_id",
        "hub_joined_on",
        "hub_left_on",
        "disadvantaged",
    ),
    "advisers": (
        "adviser_ref",
        "name",
        "employer",
        "sector",
        "skills",
        "postcode",
        "latitude",
        "longitude",
        "capacity",
        "max_travel_km",
        "available_from",
        "available_until",
        "conflicts",
    ),
    "matches": ("urn", "adviser_ref", "matched_on", "ended_on"),
    "assessments": ("urn", "assessed_on", *(f"bm{b}" for b in range(1, 9))),
    "encounters": ("encounter_ref", "urn", "occurred_on", "kind", "provider", "year_groups", "students"),
    "funding": (
        "application_ref",
        "hub_id",
        "stream",
        "applicant",
        "amount_requested",
        "applied_on",
        "focus",
        "decision",
        "decided_on",
        "amount_awarded",
    ),
}


HUB_LEAD = "hub.lead@dorset.example"
EC_EAST = "ec.east@dorset.example"
EC_WEST = "ec.west@dorset.example"
PANEL = "funding.panel@dorset.example"

# town: (latitude, longitude, postcode districts)
TOWNS: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "Bournemouth": (50.7220, -1.8660, ("BH1", "BH3", "BH7", "BH8", "BH9", "BH10", "BH11")),
    "Boscombe": (50.7260, -1.8370, ("BH1", "BH5")),
    "Poole": (50.7240, -1.9600, ("BH12", "BH14", "BH15", "BH17")),
    "Hamworthy": (50.7180, -2.0150, ("BH15",)),
    "Broadstone": (50.7600, -1.9950, ("BH18",)),
    "Christchurch": (50.7350, -1.7780, ("BH23",)),
    "Highcliffe": (50.7390, -1.7070, ("BH23",)),
    "Wimborne Minster": (50.7990, -1.9860, ("BH21",)),
    "Ferndown": (50.8070, -1.8990, ("BH22",)),
    "Verwood": (50.8810, -1.8750, ("BH31",)),
    "Wareham": (50.6870, -2.1100, ("BH20",)),
    "Wool": (50.6800, -2.2200, ("BH20",)),
    "Swanage": (50.6090, -1.9600, ("BH19",)),
    "Dorchester": (50.7150, -2.4370, ("DT1", "DT2")),
    "Weymouth": (50.6140, -2.4580, ("DT3", "DT4")),
    "Chickerell": (50.6240, -2.5030, ("DT3",)),
    "Portland": (50.5520, -2.4400, ("DT5",)),
    "Bridport": (50.7340, -2.7580, ("DT6",)),
    "Lyme Regis": (50.7250, -2.9370, ("DT7",)),
    "Beaminster": (50.8090, -2.7400, ("DT8",)),
    "Sherborne": (50.9470, -2.5160, ("DT9",)),
    "Sturminster Newton": (50.9260, -2.3050, ("DT10",)),
    "Blandford Forum": (50.8560, -2.1640, ("DT11",)),
    "Shaftesbury": (51.0050, -2.1980, ("SP7",)),
    "Gillingham": (51.0380, -2.2750, ("SP8",)),
}

WP, WD, ND, PED, POOLE, BMTH = (
    "Weymouth & Portland",
    "West Dorset",
    "North Dorset",
    "Purbeck & East Dorset",
    "Poole",
    "Bournemouth",
)
# Hub members: (town, cluster, kind, role).  Roles drive matches, corrections and special cases.
MEMBERS: tuple[tuple[str, str, str, str], ...] = (
    ("Weymouth", WP, "school", ""),
    ("Weymouth", WP, "school", ""),
    ("Weymouth", WP, "college", ""),
    ("Weymouth", WP, "alternative_provision", ""),
    ("Portland", WP, "school", ""),
    ("Portland", WP, "school", ""),
    ("Chickerell", WP, "school", "misclustered"),
    ("Dorchester", WD, "school", ""),
    ("Dorchester", WD, "special", ""),
    ("Bridport", WD, "school", ""),
    ("Beaminster", WD, "school", ""),
    ("Sherborne", WD, "school", "sherborne_matched"),
    ("Blandford Forum", ND, "school", ""),
    ("Blandford Forum", ND, "special", ""),
    ("Shaftesbury", ND, "school", ""),
    ("Gillingham", ND, "school", ""),
    ("Gillingham", ND, "school", ""),
    ("Sturminster Newton", ND, "school", ""),
    ("Wareham", PED, "school", ""),
    ("Swanage", PED, "school", ""),
    ("Wimborne Minster", PED, "school", ""),
    ("Ferndown", PED, "school", ""),
    ("Verwood", PED, "school", ""),
    ("Wool", PED, "school", ""),
    ("Poole", POOLE, "school", "ended_on_day"),
    ("Poole", POOLE, "school", "ends_2020_07"),
    ("Poole", POOLE, "school", "ends_2020_07"),
    ("Poole", POOLE, "school", "rematched"),
    ("Poole", POOLE, "special", ""),
    ("Hamworthy", POOLE, "school", "postcode_typo"),
    ("Broadstone", POOLE, "school", "matched_on_day"),
    ("Poole", POOLE, "school", "stepped_back"),
    ("Bournemouth", BMTH, "school", "adviser_left_1912"),
    ("Bournemouth", BMTH, "school", "waiting"),
    ("Bournemouth", BMTH, "school", "rematched"),
    ("Bournemouth", BMTH, "college", ""),
    ("Bournemouth", BMTH, "alternative_provision", ""),
    ("Boscombe", BMTH, "school", ""),
    ("Christchurch", BMTH, "school", ""),
    ("Highcliffe", BMTH, "school", "leaves_hub_2021"),
)
# Institutions of the area outside the hub: (town, kind, role).
OTHERS: tuple[tuple[str, str, str], ...] = (
    ("Lyme Regis", "school", "remote"),
    ("Sherborne", "school", "sherborne_conflict"),
    ("Bournemouth", "school", "joined_on_day"),
    ("Poole", "school", "adviser_left_1907"),
    ("Bournemouth", "school", "leaves_ean_after_day"),
    *(
        (t, "school", "matched")
        for t in (
            "Bournemouth",
            "Bournemouth",
            "Bournemouth",
            "Poole",
            "Poole",
            "Christchurch",
            "Weymouth",
            "Weymouth",
            "Dorchester",
            "Dorchester",
            "Wimborne Minster",
            "Ferndown",
            "Blandford Forum",
            "Gillingham",
        )
    ),
    ("Bournemouth", "college", "matched"),
    ("Poole", "special", "rematched"),
    ("Christchurch", "special", "matched"),
    *(
        (t, "school", "recent")
        for t in ("Bournemouth", "Bournemouth", "Poole", "Wimborne Minster", "Ferndown", "Bridport", "Verwood", "Wareham")
    ),
    ("Poole", "alternative_provision", "recent"),
    ("Poole", "school", "left_ean_1907"),
    ("Bournemouth", "school", "left_ean_on_day"),
    ("Christchurch", "school", "joined_after_day"),
    ("Dorchester", "school", "joined_2020_06"),
    ("Bournemouth", "independent", "never"),
    ("Poole", "independent", "never"),
    ("Blandford Forum", "independent", "never"),
)

# Made-up institution names from local landmarks, by part of the county.
NAME_WORDS = {
    "west": (
        "Chesil",
        "Radipole",
        "Lodmoor",
        "Nothe",
        "Verne",
        "Tout",
        "Portesham",
        "Abbotsbury",
        "Osmington",
        "Maiden",
        "Minterne",
        "Cerne Vale",
        "Frome Valley",
        "Piddle Vale",
        "Colmer",
        "Brit Valley",
        "Pilsdon",
        "Eggardon",
        "Langdon",
        "Charmouth",
        "Swyre",
        "Chideock",
        "Marshwood",
        "Thorncombe",
        "Littlemoor",
        "Wyke Downs",
    ),
    "north": (
        "Lillington",
        "Caundle",
        "Bulbarrow",
        "Hambledon",
        "Hod Hill",
        "Fontmell",
        "Duncliffe",
        "Melbury",
        "Okeford",
        "Blackmore",
        "Lydden",
        "Hazelbury",
        "Marnhull",
        "Sandley",
        "Whitesheet",
        "Batcombe",
        "Tarrant",
    ),
    "east": (
        "Badbury",
        "Allen Valley",
        "Cranborne",
        "Holt Heath",
        "Arne",
        "Nine Barrow",
        "Agglestone",
        "Kimmeridge",
        "Worbarrow",
        "Hartland",
        "Studland",
        "Holton",
        "Lulworth",
        "Tyneham",
        "Purbeck Vale",
        "Mannington",
        "Stour Meadows",
    ),
    "coast": (
        "Brownsea",
        "Upton Heath",
        "Harbourside",
        "Kingfisher",
        "Heronwood",
        "Stanpit",
        "Hengistbury",
        "Mudeford",
        "Avon Meadows",
        "Muscliff",
        "Littledown",
        "Iford",
        "Throop",
        "Redhill",
        "Wallisdown",
        "Meyrick",
        "Pokesdown",
        "Saxon Mead",
        "Wessex Vale",
        "Sandhills",
        "Clayford",
        "Heathfield",
        "Ridgeway",
        "Branksome Dene",
        "Parkstone Heath",
        "Creekmoor",
        "Oakdale",
        "Merley",
        "Bearwood",
        "Talbot Woods",
        "Ensbury",
        "Northbourne",
        "Kinson Heath",
        "Strouden",
        "Tuckton",
        "Wick Meadows",
        "Hurn",
        "Somerford",
        "Holdenhurst",
        "Turbary",
        "Alderney",
        "Sterte",
        "Baiter",
    ),
}
REGION = {
    "west": ("Dorchester", "Weymouth", "Chickerell", "Portland", "Bridport", "Lyme Regis", "Beaminster"),
    "north": ("Sherborne", "Sturminster Newton", "Blandford Forum", "Shaftesbury", "Gillingham"),
    "east": ("Wimborne Minster", "Ferndown", "Verwood", "Wareham", "Wool", "Swanage"),
}
SUFFIXES = {
    "school": ("Academy", "School", "Community School", "High School", "Church of England Academy", "Upper School"),
    "college": ("College", "Sixth Form College"),
    "special": ("Special School", "Learning Community"),
    "alternative_provision": ("Learning Centre", "Tuition Centre"),
    "independent": ("House School", "Preparatory and Senior School"),
}
FIRST_NAMES = (
    "Alex",
    "Amira",
    "Ben",
    "Bethan",
    "Callum",
    "Chloe",
    "Dan",
    "Deepa",
    "Eleanor",
    "Ethan",
    "Faye",
    "Femi",
    "Gareth",
    "Grace",
    "Hannah",
    "Harvey",
    "Imogen",
    "Isaac",
    "Jas",
    "Jenna",
    "Kieran",
    "Kirsty",
    "Liam",
    "Lucy",
    "Marcus",
    "Maya",
    "Nadia",
    "Nathan",
    "Olivia",
    "Owen",
    "Priya",
    "Rhys",
    "Rosie",
    "Sam",
    "Sian",
    "Tariq",
    "Tess",
    "Tom",
    "Vicky",
    "Will",
    "Yusuf",
    "Zoe",
    "Morag",
    "Colin",
    "Helen",
    "Joe",
    "Karen",
    "Mark",
    "Nicola",
    "Paul",
    "Ruth",
    "Simon",
    "Tracy",
    "Wendy",
    "Gemma",
    "Anil",
    "Ffion",
    "Ravi",
    "Sophie",
    "Stuart",
)
SURNAMES = (
    "Abbott",
    "Ainsworth",
    "Bartlett",
    "Bishop",
    "Brewer",
    "Chant",
    "Coombs",
    "Dance",
    "Dibben",
    "Ellis",
    "Fudge",
    "Gillard",
    "Hallett",
    "Hardy",
    "Harvey",
    "Hiscock",
    "Ingram",
    "Jeffery",
    "Keats",
    "Lambert",
    "Legg",
    "Loveless",
    "Marsh",
    "Mintern",
    "Moss",
    "Noyce",
    "Oakley",
    "Osmond",
    "Pitman",
    "Pope",
    "Puckett",
    "Rendall",
    "Rideout",
    "Samways",
    "Scutt",
    "Sherring",
    "Stickland",
    "Stone",
    "Symes",
    "Talbot",
    "Toms",
    "Trowbridge",
    "Vincent",
    "Wareham",
    "Whittle",
    "Wilkins",
    "Yeatman",
    "Young",
    "Akhtar",
    "Banerjee",
    "Chowdhury",
    "Da Silva",
    "Nowak",
    "Okafor",
    "Patel",
    "Kowalski",
    "Mensah",
    "Nguyen",
    "Osei",
    "Rahman",
)
EMPLOYERS: tuple[tuple[str, str], ...] = (
    ("professional services", "Harbourside Legal LLP"),
    ("professional services", "Stour Valley Accountants"),
    ("professional services", "Wessex Consulting Partners"),
    ("manufacturing", "Purbeck Precision Components"),
    ("manufacturing", "Ferndown Composites Ltd"),
    ("manufacturing", "Blackmore Vale Creamery"),
    ("engineering", "Poole Marine Systems"),
    ("engineering", "Chesil Subsea Engineering"),
    ("engineering", "Wessex Aerostructures"),
    ("health", "Dorchester General Hospital"),
    ("health", "Coastline Care Group"),
    ("hospitality", "Jurassic Coast Hotels"),
    ("hospitality", "Sandbanks Hospitality Group"),
    ("construction", "Heathland Construction Ltd"),
    ("construction", "Portland Stoneworks"),
    ("finance", "South Coast Mutual"),
    ("finance", "Lansdowne Insurance Services"),
    ("digital", "Chesil Digital"),
    ("digital", "Old Town Software"),
    ("public sector", "Dorset Coast Council Services"),
    ("public sector", "Wessex Fire and Rescue"),
    ("education", "Wessex Coast University"),
    ("education", "Frome Valley Learning Trust"),
    ("retail", "Harbour Street Stores"),
    ("retail", "Stour Home and Garden"),
    ("defence", "Wyke Defence Systems"),
    ("defence", "Heath Range Support Services"),
    ("tourism", "Lulworth Coast Adventures"),
    ("tourism", "Purbeck Heritage Railway Trust"),
    ("agriculture", "Cerne Valley Farms"),
    ("agriculture", "Vale Agri Partners"),
    ("marine", "Harbour Boatbuilders"),
    ("energy", "Heathland Energy"),
    ("creative industries", "Lighthouse Media Productions"),
    ("logistics", "Stour Logistics"),
)
SKILLS = (
    "mentoring",
    "careers talks",
    "mock interviews",
    "CV workshops",
    "enterprise challenges",
    "STEM",
    "labour market information",
    "work experience",
    "apprenticeships",
    "governance",
    "strategic planning",
    "digital skills",
    "employer networks",
    "leadership",
    "finance",
    "marketing",
    "project management",
)
# Advisers by town: (town, how many, longest journey any of them will make in km).  No adviser lives in the
# far west or the Blackmore Vale, so Lyme Regis is out of everyone's reach and Sherborne only within one's.
ADVISER_TOWNS = (
    ("Bournemouth", 12, 40),
    ("Poole", 12, 40),
    ("Christchurch", 4, 40),
    ("Wimborne Minster", 4, 35),
    ("Ferndown", 3, 40),
    ("Dorchester", 7, 25),
    ("Weymouth", 6, 30),
    ("Blandford Forum", 4, 25),
    ("Shaftesbury", 2, 20),
    ("Wareham", 3, 35),
    ("Swanage", 1, 40),
    ("Sherborne", 1, 20),
    ("Verwood", 1, 35),
    ("Broadstone", 1, 40),
    ("Highcliffe", 1, 40),
)

# The window of each term in which assessments are made, autumn 2018 to summer 2021.  Index 3 is autumn 2019.
TERMS = (
    (date(2018, 10, 1), date(2018, 12, 14)),
    (date(2019, 2, 4), date(2019, 3, 22)),
    (date(2019, 5, 7), date(2019, 7, 19)),
    (date(2019, 9, 16), date(2019, 12, 13)),
    (date(2020, 2, 3), date(2020, 3, 20)),
    (date(2020, 6, 1), date(2020, 7, 17)),
    (date(2020, 10, 5), date(2020, 12, 11)),
    (date(2021, 2, 22), date(2021, 3, 26)),
    (date(2021, 5, 10), date(2021, 7, 16)),
)
AUTUMN_2019 = 3
BULK_UNTIL = date(2019, 10, 31)
LATE_AUTUMN = (date(2019, 11, 4), date(2019, 12, 13))
# Benchmarks fully achieved by the hub's members: on 31 Aug 2019 (sum 120 = 40 x 3.0), and on 31 Dec 2019
# (sum 180 = 40 x 4.5; bm5 25 of 40, bm6 26 of 40).  The shape follows the 2018/19 national percentages.
ACHIEVED_AUG_2019 = (8, 18, 8, 15, 21, 19, 8, 23)
ACHIEVED_DEC_2019 = (16, 28, 14, 22, 25, 26, 17, 32)
NEVER = 99


@dataclass
class Institution:
    urn: str
    name: str
    kind: str
    town: str
    role: str
    postcode: str
    lat: float
    lon: float
    disadvantaged: bool
    strength: float
    cluster: str = ""
    ean_joined: date | None = None
    ean_left: date | None = None
    hub_joined: date | None = None
    hub_left: date | None = None
    year_size: int = 0
    sixth_form: bool = False

    def row(self) -> dict[str, str]:
        return {
            "urn": self.urn,
            "name": self.name,
            "kind": self.kind,
            "area": AREA,
            "postcode": self.postcode,
            "latitude": f"{self.lat:.4f}",
            "longitude": f"{self.lon:.4f}",
            "cluster": self.cluster,
            "ean_joined_on": _d(self.ean_joined),
            "ean_left_on": _d(self.ean_left),
            "hub_id": HUB_ID if self.hub_joined else "",
            "hub_joined_on": _d(self.hub_joined),
            "hub_left_on": _d(self.hub_left),
            "disadvantaged": "true" if self.disadvantaged else "false",
        }


@dataclass
class Adviser:
    ref: str
    name: str
    sector: str
    employer: str
    skills: list[str]
    town: str
    postcode: str
    lat: float
    lon: float
    capacity: int
    max_travel: int
    available_from: date
    available_until: date | None = None
    conflicts: list[str] = field(default_factory=list)
    reserved: bool = False  # takes only the matches planned for it
    spells: list[tuple[date, date | None]] = field(default_factory=list)

    def row(self) -> dict[str, str]:
        return {
            "adviser_ref": self.ref,
            "name": self.name,
            "employer": self.employer,
            "sector": self.sector,
            "skills": ";".join(self.skills),
            "postcode": self.postcode,
            "latitude": f"{self.lat:.4f}",
            "longitude": f"{self.lon:.4f}",
            "capacity": str(self.capacity),
            "max_travel_km": str(self.max_travel),
            "available_from": _d(self.available_from),
            "available_until": _d(self.available_until),
            "conflicts": ";".join(self.conflicts),
        }


def _rng(part: str) -> random.Random:
    """One fixed stream per part, so that reshaping one part leaves the others as they were."""
    return random.Random(f"{SEED}:{part}")


def _d(day: date | None) -> str:
    return day.isoformat() if day else ""


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance, Earth radius 6371.0088 km (DATA.md §4)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _day(rng: random.Random, first: date, last: date) -> date:
    """A random school day between two dates (inclusive): a weekday outside Christmas and August."""
    while True:
        day = first + timedelta(days=rng.randint(0, (last - first).days))
        christmas = (day.month, day.day) >= (12, 21) or (day.month, day.day) <= (1, 3)
        if day.weekday() < 5 and not christmas and day.month != 8 or first == last:
            return day


def _postcode(rng: random.Random, town: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(TOWNS[town][2])} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _place(rng: random.Random, town: str, spread: float) -> tuple[float, float]:
    lat, lon = TOWNS[town][:2]
    return round(lat + rng.uniform(-spread, spread), 4), round(lon + rng.uniform(-spread, spread) * 1.4, 4)


def _csv(kind: str, rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _weighted_sample(
    rng: random.Random, items: list[Institution], weight: Callable[[Institution], float], k: int
) -> list[Institution]:
    """k items without replacement, favouring heavier ones (Efraimidis-Spirakis keys)."""
    keyed = sorted(items, key=lambda item: rng.random() ** (1 / weight(item)), reverse=True)
    return keyed[:k]


# --------------------------------------------------------------------------------------------- institutions
def _region(town: str) -> str:
    return next((region for region, towns in REGION.items() if town in towns), "coast")


def _institutions(rng: random.Random) -> list[Institution]:
    words = {region: rng.sample(names, len(names)) for region, names in NAME_WORDS.items()}
    urns = rng.sample(range(110000, 150000), len(MEMBERS) + len(OTHERS))
    people: list[Institution] = []
    plans = [(t, c, k, r) for t, c, k, r in MEMBERS] + [(t, "", k, r) for t, k, r in OTHERS]
    for i, (town, cluster, kind, role) in enumerate(plans):
        lat, lon = _place(rng, town, 0.004)
        sizes = {
            "school": (140, 240),
            "college": (700, 1400),
            "special": (8, 20),
            "alternative_provision": (5, 15),
            "independent": (50, 90),
        }[kind]
        inst = Institution(
            urn=str(urns[i]),
            name=f"{words[_region(town)].pop()} {rng.choice(SUFFIXES[kind])}",
            kind=kind,
            town=town,
            role=role,
            postcode=_postcode(rng, town),
            lat=lat,
            lon=lon,
            disadvantaged=False,
            strength=rng.uniform(0.5, 1.5),
            cluster=cluster,
            year_size=rng.randint(*sizes),
            sixth_form=kind == "school" and rng.random() < 0.4,
        )
        if cluster:
            last = date(2019, 7, 19) if rng.random() < 0.85 else date(2019, 8, 30)  # most at the July meeting
            inst.hub_joined = _day(rng, date(2019, 7, 1), last)
        early = role in ("rematched", "adviser_left_1907", "left_ean_1907")
        inst.ean_joined = _day(rng, date(2016, 1, 11), date(2017, 6, 30) if early else date(2018, 12, 14))
        people.append(inst)
    by_role = {inst.role: inst for inst in people}
    people[len(MEMBERS) - 2].hub_joined = date(2019, 8, 31)  # confirmed on the last day of August
    state_funded = [i for i in people if i.kind != "independent" and i.role != "remote"]
    for inst in rng.sample(state_funded, 22) + [by_role["remote"]]:  # 23 of 78, about 30 %
        inst.disadvantaged, inst.strength = True, inst.strength * 0.8
    by_role["leaves_hub_2021"].hub_left = date(2021, 8, 31)
    by_role["waiting"].ean_joined = date(2019, 9, 16)
    by_role["joined_on_day"].ean_joined = MATCHING_DAY
    by_role["leaves_ean_after_day"].ean_left = MATCHING_DAY + timedelta(days=1)
    by_role["left_ean_1907"].ean_left = date(2019, 7, 31)
    by_role["left_ean_on_day"].ean_left = MATCHING_DAY
    by_role["joined_after_day"].ean_joined = MATCHING_DAY + timedelta(days=1)
    by_role["joined_2020_06"].ean_joined = date(2020, 6, 15)
    for inst in people:
        if inst.role == "recent":
            inst.ean_joined = _day(rng, date(2019, 9, 9), date(2020, 1, 31))
        if inst.role == "never":
            inst.ean_joined = None
    return people


# ------------------------------------------------------------------------------------------------ advisers
def _advisers(rng: random.Random, people: list[Institution]) -> list[Adviser]:
    names = [(f, s) for f in FIRST_NAMES for s in SURNAMES]
    rng.shuffle(names)
    employers = list(EMPLOYERS)
    advisers: list[Adviser] = []
    for town, count, reach in ADVISER_TOWNS:
        for _ in range(count):
            sector, employer = employers[len(advisers) % len(employers)]
            lat, lon = _place(rng, town, 0.003)
            first, last = names[len(advisers)]
            advisers.append(
                Adviser(
                    ref="",
                    name=f"{first} {last}",
                    sector=sector,
                    employer=employer,
                    skills=sorted(rng.sample(SKILLS, rng.randint(2, 4))),
                    town=town,
                    postcode=_postcode(rng, town),
                    lat=lat,
                    lon=lon,
                    capacity=2 if rng.random() < 0.17 else 1,
                    max_travel=rng.choice([r for r in (15, 20, 25, 30, 35, 40) if r <= reach][-3:]),
                    available_from=_day(rng, date(2015, 9, 1), date(2018, 6, 29)),
                )
            )
    rng.shuffle(advisers)
    for i, adviser in enumerate(advisers, start=1):
        adviser.ref = f"EA{i:03d}"
    by_role = {inst.role: inst for inst in people}
    in_town = {town: [a for a in advisers if a.town == town] for town, _, _ in ADVISER_TOWNS}
    sherborne = in_town["Sherborne"][0]
    sherborne.capacity, sherborne.max_travel, sherborne.reserved = 2, 20, True  # one place kept free
    sherborne.conflicts = [by_role["sherborne_conflict"].urn]  # a governor of that school
    poole, bournemouth = in_town["Poole"], in_town["Bournemouth"]
    poole[0].available_until, poole[0].capacity = date(2019, 7, 31), 1
    bournemouth[0].available_until, bournemouth[0].capacity = date(2019, 12, 31), 1
    poole[1].available_until, poole[1].capacity = date(2020, 7, 31), 2
    bournemouth[1].available_from, bournemouth[1].capacity = date(2020, 4, 20), 1
    in_town["Christchurch"][0].available_from = date(2020, 9, 1)
    poole_members = [i for i in people if i.town == "Poole" and i.cluster and not i.role]
    poole[2].conflicts = [poole_members[0].urn]  # a parent at that school
    bournemouth_others = [i for i in people if i.town == "Bournemouth" and i.role == "recent"]
    bournemouth[2].conflicts = sorted(i.urn for i in bournemouth_others[:2])
    return advisers


# ------------------------------------------------------------------------------------------------- matches
@dataclass
class PlannedMatch:
    inst: Institution
    start: date
    end: date | None
    adviser: Adviser | None = None
    later: bool = False  # recorded in a later step (accepted after the February 2020 matching run)

    def row(self) -> dict[str, str]:
        assert self.adviser
        return {"urn": self.inst.urn, "adviser_ref": self.adviser.ref, "matched_on": _d(self.start), "ended_on": _d(self.end)}


def _candidates(advisers: list[Adviser], plan: PlannedMatch) -> list[Adviser]:
    inst = plan.inst
    return [
        a
        for a in advisers
        if distance_km(a.lat, a.lon, inst.lat, inst.lon) <= a.max_travel
        and inst.urn not in a.conflicts
        and a.available_from <= plan.start
        and (a.available_until is None or (plan.end is not None and plan.end <= a.available_until))
        and _has_room(a, plan.start, plan.end)
    ]


def _has_room(adviser: Adviser, start: date, end: date | None) -> bool:
    points = [start] + [s for s, _ in adviser.spells if s > start and (end is None or s < end)]
    return all(sum(1 for s, e in adviser.spells if s <= p and (e is None or e > p)) < adviser.capacity for p in points)


OPEN_ROLES = ("", "misclustered", "postcode_typo", "leaves_hub_2021", "matched", "sherborne_matched")
# role: (latest start, end of the match)
ENDING_ROLES = {
    "ended_on_day": (date(2019, 6, 1), MATCHING_DAY),
    "ends_2020_07": (date(2019, 6, 1), date(2020, 7, 31)),
    "stepped_back": (date(2019, 3, 1), date(2019, 10, 31)),
    "adviser_left_1912": (date(2019, 3, 1), date(2019, 12, 31)),
    "adviser_left_1907": (date(2018, 9, 1), date(2019, 7, 31)),
    "leaves_ean_after_day": (date(2020, 1, 24), MATCHING_DAY + timedelta(days=1)),
    "left_ean_1907": (date(2018, 9, 1), date(2019, 7, 31)),
    "left_ean_on_day": (date(2020, 1, 24), date(2020, 2, 14)),
}


def _plan_matches(rng: random.Random, people: list[Institution], advisers: list[Adviser]) -> list[PlannedMatch]:
    in_town = {t: [a for a in advisers if a.town == t] for t, _, _ in ADVISER_TOWNS}
    forced = {
        "adviser_left_1912": in_town["Bournemouth"][0],
        "adviser_left_1907": in_town["Poole"][0],
        "ends_2020_07": in_town["Poole"][1],
        "sherborne_matched": in_town["Sherborne"][0],
    }
    plans: list[PlannedMatch] = []

    def start(inst: Institution, last: date, adviser: Adviser | None = None) -> date:
        assert inst.ean_joined
        first = max(inst.ean_joined + timedelta(days=21), date(2016, 9, 1), adviser.available_from if adviser else date.min)
        return _day(rng, first, last)

    for inst in people:
        adviser = forced.get(inst.role)
        if inst.role in OPEN_ROLES:
            plans.append(PlannedMatch(inst, start(inst, date(2020, 1, 24), adviser), None, adviser))
        elif inst.role in ENDING_ROLES:
            last, end = ENDING_ROLES[inst.role]
            plans.append(PlannedMatch(inst, start(inst, last, adviser), end, adviser))
        elif inst.role == "rematched":
            first_start = start(inst, date(2017, 12, 1))
            first_end = _day(rng, first_start + timedelta(days=200), date(2018, 12, 20))
            plans.append(PlannedMatch(inst, first_start, first_end))
            plans.append(PlannedMatch(inst, _day(rng, first_end + timedelta(days=30), date(2019, 11, 29)), None))
        elif inst.role == "matched_on_day":
            plans.append(PlannedMatch(inst, MATCHING_DAY, None))
        elif inst.role == "joined_after_day":
            plans.append(PlannedMatch(inst, date(2020, 3, 2), None, later=True))
    recent = [i for i in people if i.role == "recent" and i.town in ("Bournemouth", "Poole", "Ferndown")]
    for inst in recent[-3:]:
        plans.append(PlannedMatch(inst, date(2020, 2, 17), None, later=True))
    free = sorted((p for p in plans if not p.adviser), key=lambda p: (p.later, len(_candidates(advisers, p)), p.start))
    for plan in [p for p in plans if p.adviser] + free:
        options = _candidates(advisers, plan)
        if plan.adviser is None:
            options = [a for a in options if not a.reserved]
            assert options, f"no adviser for {plan.inst.role} in {plan.inst.town}"
            plan.adviser = rng.choice(options)
        assert plan.adviser in options, f"{plan.adviser.ref} cannot take {plan.inst.role}"
        plan.adviser.spells.append((plan.start, plan.end))
    return sorted(plans, key=lambda p: (p.start, p.inst.urn))


# --------------------------------------------------------------------------------------------- assessments
@dataclass
class Assessment:
    urn: str
    day: date
    values: tuple[int, ...]

    def row(self, values: tuple[int, ...] | None = None) -> dict[str, str]:
        shown = values or self.values
        return {"urn": self.urn, "assessed_on": _d(self.day), **{f"bm{b + 1}": str(v) for b, v in enumerate(shown)}}


@dataclass
class AssessmentPlan:
    final: list[Assessment]
    first_submitted: dict[tuple[str, date], tuple[int, ...]]  # late autumn rows later corrected
    resubmitted_unchanged: list[Assessment]
    mistaken: Assessment  # keyed against a lapsed member's URN by mistake, then retracted


def _series(rng: random.Random, strength: float, attended: list[int], first_full: list[int]) -> list[list[int]]:
    """Benchmark percentages for each attended term: coarse steps, rising, 100 from the first full term."""
    start_weights = [max(0.1, 1.6 - strength), 1.2, strength, strength / 2]
    levels = [rng.choices((0, 25, 50, 75), start_weights)[0] for _ in range(8)]
    series = []
    for t in attended:
        row = []
        for b in range(8):
            if t >= first_full[b]:
                row.append(100)
                continue
            value = levels[b]
            if value and rng.random() < 0.1:
                value += rng.choice((-13, -8, -6, 6, 8, 13))
            row.append(value)
            if rng.random() < 0.45:
                levels[b] = min(75, levels[b] + 25)
        series.append(row)
    return series


def _assessments(rng: random.Random, people: list[Institution]) -> AssessmentPlan:
    members = [i for i in people if i.cluster]
    plain = [m for m in members if m.kind == "school" and m.role == ""]
    lapsed_summer, lapsed_spring = rng.sample(plain, 2)  # no autumn 2019 return: "data still required"
    early: dict[str, list[int]] = {}
    later: dict[str, list[int]] = {}
    for m in members:
        terms = [t for t in (0, 1, 2) if rng.random() < 0.8] or [2]
        if m is lapsed_summer:
            terms = sorted(set(terms) | {2})
        if m is lapsed_spring:
            terms = sorted(set(terms) - {2} | {1})
        early[m.urn] = terms
        autumn = [] if m in (lapsed_summer, lapsed_spring) else [AUTUMN_2019]
        later[m.urn] = autumn + [t for t in range(4, 9) if rng.random() < (0.7 if t == 5 else 0.88)]
    current = [m for m in members if m not in (lapsed_summer, lapsed_spring)]
    first_full: dict[str, list[int]] = {m.urn: [NEVER] * 8 for m in members}
    for b in range(8):
        by_august = _weighted_sample(rng, members, lambda m: m.strength**2, ACHIEVED_AUG_2019[b])
        rest = [m for m in current if m not in by_august]
        by_december = _weighted_sample(rng, rest, lambda m: m.strength**2, ACHIEVED_DEC_2019[b] - ACHIEVED_AUG_2019[b])
        for m in members:
            if m in by_august:
                terms = early[m.urn]
                first_full[m.urn][b] = rng.choices(terms, [k + 1 for k in range(len(terms))])[0]
            elif m in by_december:
                first_full[m.urn][b] = AUTUMN_2019
            else:
                first_full[m.urn][b] = rng.choices((4, 5, 6, 7, 8, NEVER), (1, 1.2, 1.5, 1.2, 1.2, 5 / m.strength))[0]
    on_time = {m.urn for m in rng.sample(current, 12)}  # autumn 2019 returns made by October
    final: list[Assessment] = []
    for m in members:
        attended = early[m.urn] + later[m.urn]
        for t, values in zip(attended, _series(rng, m.strength, attended, first_full[m.urn]), strict=True):
            first, last = TERMS[t]
            if t == AUTUMN_2019:
                first, last = (first, date(2019, 10, 25)) if m.urn in on_time else LATE_AUTUMN
            final.append(Assessment(m.urn, _day(rng, first, last), tuple(values)))
    for inst in people:
        if inst.cluster or inst.role in ("never", "joined_2020_06") or rng.random() < 0.35:
            continue
        attended = sorted(rng.sample(range(9), rng.randint(1, 4)))
        full = [rng.choices(range(10), [1] * 9 + [14])[0] for _ in range(8)]
        for t, values in zip(attended, _series(rng, inst.strength * 0.7, attended, full), strict=True):
            final.append(Assessment(inst.urn, _day(rng, *TERMS[t]), tuple(values)))
    final.sort(key=lambda a: (a.day, a.urn))
    late = [a for a in final if a.urn in {m.urn for m in current} and LATE_AUTUMN[0] <= a.day <= LATE_AUTUMN[1]]
    first_submitted: dict[tuple[str, date], tuple[int, ...]] = {}
    changes = [(4, 100, 75), (5, None, 100), (1, None, None)]  # (benchmark index, final must be, first sent)
    for a in rng.sample(late, len(late)):
        if len(first_submitted) == len(changes):
            break
        b, must, sent = changes[len(first_submitted)]
        value = a.values[b]
        if (must == 100 and value != 100) or (must is None and value == 100) or (sent is None and value < 25):
            continue
        values = list(a.values)
        values[b] = sent if sent is not None else value - 25
        first_submitted[(a.urn, a.day)] = tuple(values)
    unchanged = [a for a in late if (a.urn, a.day) not in first_submitted][:2]
    mistaken = Assessment(lapsed_summer.urn, _day(rng, *LATE_AUTUMN), (100, 100, 75, 100, 100, 100, 50, 100))
    return AssessmentPlan(final, first_submitted, unchanged, mistaken)


# ---------------------------------------------------------------------------------------------- encounters
FE_HE = (
    "Wessex Coast University",
    "Dorset Coast College",
    "South Coast Arts University",
    "Kingfisher Land-Based College",
    "Wessex Institute of Technology",
)
GUIDANCE = ("Dorset Careers Guidance Service", "Coastline Careers CIC", "in-house Level 6 careers adviser")
COVERING = (((7, 8, 9, 10, 11),), ((7, 8, 9), (10, 11)), ((7, 8), (9, 10, 11)), ((7,), (8, 9), (10, 11)))
PARTIAL = ((10,), (10, 11), (9, 10), (7, 8), (8,))


def _academic_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _evidence_gap(rng: random.Random, members: list[Institution], final: list[Assessment]) -> Institution:
    """A school that rates itself 100 on BM5 all through 2019/20 (encounters will miss year 9)."""
    per_year = {m.urn: [a.values[4] for a in final if a.urn == m.urn and _academic_year(a.day) == 2019] for m in members}
    fits = [m for m in members if m.kind == "school" and len(per_year[m.urn]) >= 2 and all(v == 100 for v in per_year[m.urn])]
    return rng.choice(fits)


def _year_groups(rng: random.Random, kind: str, college: bool, everyone: bool, gap: bool) -> tuple[tuple[int, ...], ...]:
    """Year groups reached by each encounter of `kind` in a year; `everyone` covers what a 100 % needs."""
    if kind == "employer_encounter":
        if college:
            return ((12, 13), (12, 13)) if everyone else tuple(rng.sample(((12, 13),), rng.randint(0, 1)))
        if gap:
            return (7, 8), (10, 11)
        return rng.choice(COVERING) if everyone else tuple(rng.sample(PARTIAL, rng.randint(0, 2)))
    if college:
        return ((12, 13),) if everyone or rng.random() < 0.6 else ((12,),)
    return rng.choice((((10, 11),), ((10,), (11,)))) if everyone else ((10,),) if rng.random() < 0.6 else ()


def _encounters(rng: random.Random, people: list[Institution], final: list[Assessment], gap: Institution) -> list[dict[str, str]]:
    """Encounters of 2018/19 and 2019/20; every self-assessed 100 % on BM5/BM6 is backed, but for `gap`."""
    full = {(a.urn, _academic_year(a.day), b) for a in final for b in (5, 6) if a.values[b - 1] == 100}
    assessed = {a.urn for a in final}
    events: list[tuple[date, str, str, str, tuple[int, ...], int]] = []
    for inst in people:
        if inst.kind == "independent" or inst.role == "joined_2020_06":
            continue
        if not inst.cluster and inst.urn not in assessed and rng.random() < 0.5:
            continue
        college = inst.kind == "college"
        for year in (2018, 2019):
            window = (date(year, 9, 16), date(2019, 7, 15) if year == 2018 else date(2020, 3, 20))
            employer = _year_groups(rng, "employer_encounter", college, (inst.urn, year, 5) in full, inst is gap and year == 2019)
            if inst.sixth_form:
                employer += ((12, 13),)
            for years in employer:
                share = 1.0 if (inst.urn, year, 5) in full else rng.uniform(0.4, 0.9)
                provider = rng.choice(EMPLOYERS)[1] if rng.random() < 0.7 else "careers fair"
                events.append(
                    (
                        _day(rng, *window),
                        inst.urn,
                        "employer_encounter",
                        provider,
                        years,
                        round(inst.year_size * len(years) * share),
                    )
                )
            for years in _year_groups(rng, "workplace_experience", college, (inst.urn, year, 6) in full, False):
                events.append(
                    (
                        _day(rng, *window),
                        inst.urn,
                        "workplace_experience",
                        rng.choice(EMPLOYERS)[1],
                        years,
                        round(inst.year_size * len(years) * rng.uniform(0.3, 0.9)),
                    )
                )
            if rng.random() < (0.75 if inst.cluster else 0.4):
                years = (12, 13) if college else rng.choice(((9, 10), (11,), (10, 11)))
                events.append(
                    (
                        _day(rng, *window),
                        inst.urn,
                        "fe_he_encounter",
                        rng.choice(FE_HE),
                        years,
                        round(inst.year_size * len(years) * rng.uniform(0.3, 0.8)),
                    )
                )
            if rng.random() < (0.85 if inst.cluster else 0.4):
                years = (12, 13) if college else rng.choice(((11,), (10, 11)))
                events.append(
                    (
                        _day(rng, *window),
                        inst.urn,
                        "personal_guidance",
                        rng.choice(GUIDANCE),
                        years,
                        min(inst.year_size * len(years), rng.randint(15, 60)),
                    )
                )
    events.sort(key=lambda e: (e[0], e[1], e[2], e[4]))
    return [
        {
            "encounter_ref": f"ENC{i:04d}",
            "urn": urn,
            "occurred_on": _d(day),
            "kind": kind,
            "provider": provider,
            "year_groups": ";".join(str(y) for y in years),
            "students": str(students),
        }
        for i, (day, urn, kind, provider, years, students) in enumerate(events, start=1)
    ]


# ------------------------------------------------------------------------------------------------- funding
FOCUS = ("events", "careers champions", "resources", "equipment")
PANELS = ((date(2019, 11, 29), date(2019, 12, 10)), (date(2020, 1, 10), date(2020, 1, 21)))
MARCH_PANEL = date(2020, 3, 10)


def _application(rng: random.Random, stream: str, applicant: str, applied: date, requested: int) -> dict[str, str]:
    return {
        "application_ref": "",
        "hub_id": HUB_ID,
        "stream": stream,
        "applicant": applicant,
        "amount_requested": str(requested),
        "applied_on": _d(applied),
        "focus": ";".join(sorted(rng.sample(FOCUS, rng.randint(1, 3)), key=FOCUS.index)),
        "decision": "",
        "decided_on": "",
        "amount_awarded": "",
    }


def _decide(rng: random.Random, row: dict[str, str], on: date, approve: bool = True) -> dict[str, str]:
    requested = int(row["amount_requested"])
    awarded = requested if rng.random() < 0.6 else int(requested * rng.uniform(0.6, 0.9) / 50) * 50
    return {
        **row,
        "decision": "approved" if approve else "rejected",
        "decided_on": _d(on),
        "amount_awarded": str(awarded) if approve else "",
    }


def _funding(rng: random.Random, people: list[Institution]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The fund's rows as known on 2 Feb 2020, and the rows the March 2020 panel changed or added."""
    members = rng.sample([i for i in people if i.cluster], 40)
    amounts = (500, 600, 750, 800, 900, 1000, 1000, 1200, 1500)
    rows = [
        _application(rng, "institutional", m.urn, _day(rng, date(2019, 11, 4), date(2020, 1, 31)), rng.choice(amounts))
        for m in members[:33]
    ]
    rows.append(_application(rng, "institutional", members[33].urn, MATCHING_DAY, 1000))
    rows.append(_application(rng, "institutional", members[0].urn, date(2020, 1, 13), 750))  # second try
    rows[0]["applied_on"] = "2019-11-15"
    rows += [
        _application(rng, "institutional", members[34].urn, MATCHING_DAY + timedelta(days=1), 900),
        _application(rng, "institutional", members[35].urn, date(2020, 3, 5), 1200),
    ]
    rows.sort(key=lambda r: (r["applied_on"], r["applicant"]))
    for i, row in enumerate(rows, start=1):
        row["application_ref"] = f"DCH-IF-{i:03d}"
    collaborative = [
        _application(rng, "collaborative", WP, date(2019, 11, 20), 4500),
        _application(rng, "collaborative", ND, date(2020, 1, 9), 3000),
        _application(rng, "collaborative", POOLE, date(2020, 1, 28), 3000),
    ]
    for i, row in enumerate(collaborative, start=1):
        row["application_ref"] = f"DCH-CF-{i:02d}"
    rejected = {rows[[r["applicant"] for r in rows].index(members[0].urn)]["application_ref"]}
    rejected.add(
        next(
            r["application_ref"]
            for r in rows
            if PANELS[0][0] < date.fromisoformat(r["applied_on"]) <= PANELS[1][0] and r["applicant"] != members[0].urn
        )
    )
    known, march = [], []
    for row in rows + collaborative:
        applied = date.fromisoformat(row["applied_on"])
        panel = next((on for until, on in PANELS if applied <= until), None)
        if panel:
            known.append(_decide(rng, row, panel, row["application_ref"] not in rejected))
        elif applied <= MATCHING_DAY:
            known.append(row)
            march.append(_decide(rng, row, MARCH_PANEL))
        else:
            march.append(_decide(rng, row, MARCH_PANEL) if applied < MARCH_PANEL - timedelta(days=7) else row)
    return known, march


# ------------------------------------------------------------------------------------------------- history
def _published_rows() -> tuple[list[dict[str, str]], ...]:
    """The hub, its targets and the national figures (DOMAIN.md)."""
    hubs = [{"hub_id": HUB_ID, "name": "Dorset Careers Hub", "area": AREA, "started_on": "2019-11-01"}]
    targets = [
        {"hub_id": HUB_ID, "academic_year": year, "metric": metric, "value": str(value)}
        for year, values in (("2019/20", (4, 75, 60)), ("2020/21", (5, 85, 70)))
        for metric, value in zip(("average_benchmarks", "bm5_percent", "bm6_percent"), values, strict=True)
    ]
    national = [
        {"metric": "average_benchmarks", "published_on": on, "value": value, "academic_year": year}
        for on, value, year in (
            ("2014-04-01", "1.34", "2013/14"),
            ("2018-07-31", "2.13", "2017/18"),
            ("2019-07-31", "3.0", "2018/19"),
            ("2023-07-31", "5.5", "2022/23"),
            ("2025-07-31", "5.96", "2024/25"),
        )
    ]
    national += [
        {"metric": f"bm{b}_percent", "published_on": "2019-07-31", "value": str(v), "academic_year": "2018/19"}
        for b, v in zip(range(1, 9), (21, 45, 20, 38, 52, 47, 21, 57), strict=True)
    ]
    return hubs, targets, national


def _first_institution_rows(people: list[Institution]) -> list[dict[str, str]]:
    """The tracker as first loaded: one cluster and one postcode wrong, nobody has left the hub yet."""
    by_role = {inst.role: inst for inst in people}
    rows = [i.row() for i in people]
    for row in rows:
        if row["urn"] == by_role["misclustered"].urn:
            row["cluster"] = WD
        if row["urn"] == by_role["postcode_typo"].urn:
            district, inward = row["postcode"].split()
            row["postcode"] = f"{district[:2]}{district[:1:-1]} {inward}"  # BH15 typed as BH51
        if row["urn"] == by_role["leaves_hub_2021"].urn:
            row["hub_left_on"] = ""
    return rows


def demo_history() -> list[DemoStep | Retraction]:
    """The demo's import steps and retractions, in recording order."""
    people = _institutions(_rng("institutions"))
    advisers = _advisers(_rng("advisers"), people)
    matches = _plan_matches(_rng("matches"), people, advisers)
    plan = _assessments(_rng("assessments"), people)
    gap = _evidence_gap(_rng("evidence"), [i for i in people if i.cluster], plan.final)
    encounters = _encounters(_rng("encounters"), people, plan.final, gap)
    funding_known, funding_march = _funding(_rng("funding"), people)
    hubs, targets, national = _published_rows()
    by_role = {inst.role: inst for inst in people}
    mistaken = plan.mistaken

    def assessments(first: date, last: date, extra: tuple[Assessment, ...] = ()) -> list[dict[str, str]]:
        chosen = sorted([a for a in plan.final if first <= a.day <= last] + list(extra), key=lambda a: (a.day, a.urn))
        return [a.row(plan.first_submitted.get((a.urn, a.day))) for a in chosen]

    resubmitted = sorted(
        [a for a in plan.final if (a.urn, a.day) in plan.first_submitted] + plan.resubmitted_unchanged,
        key=lambda a: (a.day, a.urn),
    )
    steps: list[tuple[str, str, list[dict[str, str]] | None, str, str]] = [
        ("hubs", "hubs", hubs, HUB_LEAD, "Dorset joins wave 2 of the Careers Hubs"),
        ("targets", "targets", targets, HUB_LEAD, "hub targets agreed with the CEC for 2019/20 and 2020/21"),
        ("national", "national", national, HUB_LEAD, "national Compass figures published by the CEC"),
        (
            "institutions",
            "institutions",
            _first_institution_rows(people),
            HUB_LEAD,
            "initial load from the hub's tracker spreadsheet",
        ),
        ("advisers", "advisers", [a.row() for a in advisers], EC_EAST, "Enterprise Adviser register from the EAN tracker"),
        (
            "matches",
            "matches",
            [m.row() for m in matches if not m.later],
            EC_EAST,
            "adviser matches from the EAN tracker, early February 2020",
        ),
        (
            "assessments",
            "assessments",
            assessments(date(2018, 9, 1), BULK_UNTIL),
            HUB_LEAD,
            "Compass returns from autumn 2018 to October 2019",
        ),
        ("encounters", "encounters", encounters, EC_WEST, "encounters logged by careers leaders in 2018/19 and 2019/20"),
        ("funding", "funding", funding_known, PANEL, "hub fund applications and panel decisions to 2 February 2020"),
        (
            "assessments",
            "assessments-late-autumn",
            assessments(date(2019, 11, 1), date(2019, 12, 31), (mistaken,)),
            HUB_LEAD,
            "late autumn assessments",
        ),
        (
            "assessments",
            "assessments-corrections",
            [a.row() for a in resubmitted],
            HUB_LEAD,
            "correction: schools re-submitted Compass for autumn 2019",
        ),
        (
            "institutions",
            "institutions-corrections",
            [by_role["misclustered"].row(), by_role["postcode_typo"].row()],
            HUB_LEAD,
            "correction: cluster and postcode checked against the hub's membership list",
        ),
        ("assessments", "", None, HUB_LEAD, "entered by mistake: the autumn 2019 return was keyed against the wrong URN"),
        (
            "matches",
            "matches-2020",
            [m.row() for m in matches if m.later],
            EC_EAST,
            "matches accepted after the February 2020 matching run",
        ),
        ("funding", "funding-march-panel", funding_march, PANEL, "March 2020 panel decisions and new applications"),
        (
            "assessments",
            "assessments-2020",
            assessments(date(2020, 1, 1), date(2020, 8, 31)),
            HUB_LEAD,
            "spring and summer 2020 Compass returns",
        ),
        (
            "assessments",
            "assessments-2020-21",
            assessments(date(2020, 9, 1), date(2021, 8, 31)),
            HUB_LEAD,
            "2020/21 Compass returns",
        ),
        (
            "institutions",
            "institutions-2021",
            [by_role["leaves_hub_2021"].row()],
            HUB_LEAD,
            "a member school left the hub at the end of 2020/21",
        ),
    ]
    return [
        Retraction(kind, (mistaken.urn, _d(mistaken.day)), actor, reason)
        if rows is None
        else DemoStep(kind, f"{n:02d}-{name}.csv", _csv(kind, rows), actor, reason)
        for n, (kind, name, rows, actor, reason) in enumerate(steps, start=1)
    ]


def main() -> None:
    history = demo_history()
    write_history(history, FOLDER)
    print(f"{len(history)} steps written to {FOLDER}")


if __name__ == "__main__":
    main()
