"""A synthetic directory for the demo, tests and benchmarks: services, counsellors and job
vacancies as ORUK 3.0 records (Faker en_GB, seeded: the same seed gives the same directory).

Counsellors are listed as services of their practice, never by a person's name. Everything
is made up: organisation names, streets and postcodes come from Faker; places scatter around
the centre given; prices, capacity and pay are drawn from plausible ranges.
"""

from __future__ import annotations

import json
import random
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

from faker import Faker

from safetynet.directory import taxonomies as tx
from safetynet.directory.service import Feed

LANGUAGES = (
    ("English", "en"), ("Polish", "pl"), ("Urdu", "ur"), ("Punjabi", "pa"), ("Arabic", "ar"),
    ("Bengali", "bn"), ("Romanian", "ro"), ("Somali", "so"), ("Welsh", "cy"),
    ("British Sign Language", "bfi"),
)  # fmt: skip
MODALITIES = ("Person-centred", "Cognitive behavioural", "Psychodynamic", "Integrative",
              "Bereavement", "Couples", "Trauma-informed", "Solution-focused")  # fmt: skip
SERVICE_TYPES = ("Food bank", "Debt advice", "Benefits advice", "Housing advice", "Warm space",
                 "Carers support", "Youth club", "Digital skills", "Energy advice",
                 "Mental health peer support", "Device lending", "Data bank",
                 "Befriending")  # fmt: skip
JOBS = {
    "care": ("Care assistant", "Support worker"),
    "retail": ("Sales assistant", "Stock controller"),
    "hospitality": ("Kitchen porter", "Barista", "Housekeeper"),
    "education": ("Teaching assistant", "Lunchtime supervisor"),
    "construction": ("Labourer", "Site cleaner"),
    "logistics": ("Warehouse operative", "Delivery driver"),
    "office": ("Receptionist", "Administrator"),
    "health": ("Healthcare assistant", "Porter"),
}
SERVICE_TYPE_TAXONOMY = "Demo service types"
LOWEST_PAY_PENCE = 1221  # the National Living Wage from April 2025, £12.21 an hour
AREA_HALF_SIZE = (0.12, 0.2)  # degrees of latitude and longitude each side of the centre


@dataclass(frozen=True)
class Size:
    """How many of each the directory has."""

    services: int = 300
    counsellors: int = 20_000
    vacancies: int = 200


class _Maker:
    """Seeded sources of ids, names, places and numbers."""

    def __init__(self, seed: int, area: str, centre: tuple[float, float]) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.area = area
        self.centre = centre
        # Faker's address formats are slow: draw streets once, then number them.
        self.streets = sorted({self.fake.street_name() for _ in range(300)})

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def location(self, name: str) -> dict[str, Any]:
        street = f"{self.rng.randint(1, 240)} {self.rng.choice(self.streets)}"
        lat = self.centre[0] + self.rng.gauss(0, 0.03)
        lon = self.centre[1] + self.rng.gauss(0, 0.05)
        postcode = f"DB{self.rng.randint(1, 9)} {self.rng.randint(1, 9)}" + "".join(
            self.rng.choices("ABDEFGHJLNPQRSTUWXYZ", k=2)
        )
        return {
            "id": self.uuid(), "name": name, "latitude": round(lat, 5),
            "longitude": round(lon, 5),
            "addresses": [{"id": self.uuid(), "address_1": street,
                           "city": self.area, "state_province": "", "postal_code": postcode,
                           "country": "GB", "address_type": "physical"}],
        }  # fmt: skip

    def organisation(self, suffix: str) -> dict[str, Any]:
        name = f"{self.fake.last_name()} {suffix}"
        slug = "".join(c for c in name.lower() if c.isalnum())[:40]
        return {"id": self.uuid(), "name": name, "description": f"{name}, {self.area}.",
                "website": f"https://{slug}.example.org"}  # fmt: skip


def _attribute_id(service_id: str, taxonomy: str, term: str) -> str:
    """A made-up but stable id: the service's id with its last part from the term (cheaper
    than a UUIDv5 per attribute, which twenty thousand counsellors would notice)."""
    return f"{service_id[:24]}{zlib.crc32(f'{taxonomy}/{term}'.encode()):012x}"


def _attribute(service_id: str, taxonomy: str, term: str, value: Any = None) -> dict[str, Any]:
    term_id = tx.term_id(taxonomy, term)
    record = {
        "id": _attribute_id(service_id, taxonomy, term), "link_id": service_id,
        "taxonomy_term_id": term_id, "link_type": "safetynet",
        "taxonomy_term": {"id": term_id, "taxonomy": taxonomy,
                          "taxonomy_id": tx.taxonomy_id(taxonomy), "term": term},
    }  # fmt: skip
    if value is not None:
        record["value"] = str(value)
    return record


def _base(m: _Maker, org: dict[str, Any], name: str, kind: str, path: str) -> dict[str, Any]:
    sid = m.uuid()
    return {
        "id": sid, "organization_id": org["id"], "organization": org, "name": name,
        "url": f"https://directory.example.org/{path}/{sid[:8]}", "status": "active",
        "attributes": [_attribute(sid, tx.KIND, kind)],
        "languages": [{"id": m.uuid(), "url": org["website"], "name": "English", "code": "en"}],
    }  # fmt: skip


def _place(m: _Maker, record: dict[str, Any], name: str) -> None:
    location = m.location(name)
    record["service_at_locations"] = [
        {
            "id": m.uuid(),
            "service_id": record["id"],
            "location_id": location["id"],
            "location": location,
        }  # fmt: skip
    ]


def _weekly(m: _Maker, record: dict[str, Any]) -> None:
    days = sorted(m.rng.sample(["MO", "TU", "WE", "TH", "FR", "SA"], m.rng.randint(1, 4)))
    opens = m.rng.choice(["09:00", "10:00", "13:00", "17:00"])
    record["schedules"] = [
        {
            "id": m.uuid(),
            "url": record["url"],
            "freq": "WEEKLY",
            "interval": 1,
            "byday": ",".join(days),
            "opens_at": opens,
            "closes_at": f"{int(opens[:2]) + m.rng.choice([2, 3, 4]):02d}:00",
        }  # fmt: skip
    ]


def counsellor(m: _Maker, org: dict[str, Any], n: int) -> dict[str, Any]:
    """One counsellor's offer, as a service of their practice."""
    modality = m.rng.choice(MODALITIES)
    record = _base(m, org, f"{modality} counselling (practitioner {n:05d})", "counsellor", "c")
    sid = record["id"]
    formats = m.rng.sample(tx.FORMATS, m.rng.choice([1, 1, 2, 3]))
    capacity = m.rng.randint(4, 25)
    record["attributes"] += [_attribute(sid, tx.FORMAT, f) for f in formats]
    record["attributes"] += [
        _attribute(sid, tx.GENDER, m.rng.choices(tx.GENDERS, weights=(62, 33, 5))[0]),
        _attribute(sid, tx.RESIDENCY, m.rng.choice(tx.RESIDENCIES)),
        _attribute(sid, tx.MEASURE, "capacity", capacity),
        _attribute(sid, tx.MEASURE, "available", m.rng.randint(0, capacity)),
    ]
    for name, code in m.rng.sample(LANGUAGES[1:], m.rng.choice([0, 0, 0, 1, 1, 2])):
        record["languages"].append({"id": m.uuid(), "url": record["url"], "name": name,
                                    "code": code})  # fmt: skip
    young = m.rng.random() < 0.15
    record["minimum_age"], record["maximum_age"] = (11, 25) if young else (18, None)
    if record["maximum_age"] is None:
        del record["maximum_age"]
    record["cost_options"] = _counselling_costs(m, record["url"])
    if "in-person" in formats:
        _place(m, record, f"{org['name']} rooms")
    _weekly(m, record)
    return record


def _counselling_costs(m: _Maker, url: str) -> list[dict[str, Any]]:
    if m.rng.random() < 0.4:
        return [{"id": m.uuid(), "url": url, "option": "Free", "amount": 0,
                 "amount_description": "per session"}]  # fmt: skip
    full = m.rng.choice([35, 40, 45, 50, 55, 60])
    return [
        {"id": m.uuid(), "url": url, "option": "Full price", "amount": full,
         "amount_description": "per 50-minute session"},
        {"id": m.uuid(), "url": url, "option": m.rng.choice(["Low income", "Students",
         "Receiving Universal Credit"]), "amount": m.rng.choice([10, 15, 20]),
         "amount_description": "per 50-minute session"},
    ]  # fmt: skip


def community_service(m: _Maker, org: dict[str, Any], kinds: dict[str, dict]) -> dict:
    """A community service (food bank, advice...), classified by the demo service types."""
    kind_name = m.rng.choice(SERVICE_TYPES)
    record = _base(m, org, f"{kind_name} at {org['name']}", "service", "s")
    record["description"] = f"{kind_name} for residents of {m.area}."
    term = kinds[kind_name]
    record["attributes"] += [
        _attribute(record["id"], tx.FORMAT, "in-person"),
        _attribute(record["id"], tx.RESIDENCY, "any"),
        {"id": m.uuid(), "link_id": record["id"], "taxonomy_term_id": term["id"],
         "link_type": "service_type", "taxonomy_term": term},
    ]  # fmt: skip
    record["cost_options"] = [{"id": m.uuid(), "url": record["url"], "option": "Free",
                               "amount": 0}]  # fmt: skip
    _place(m, record, org["name"])
    _weekly(m, record)
    _reach_and_cover(m, record)
    return record


def _id(owner: str, part: str) -> str:
    """A stable id for a part made from its owner's id (drawing none from the seeded stream,
    so adding parts leaves every other record of the directory as it was)."""
    return str(uuid.uuid5(tx.NAMESPACE, f"{owner}/{part}"))


def _phone_number(owner: str) -> str:
    """A made-up number in Ofcom's drama range (01632 960000 to 960999)."""
    return f"01632 960{zlib.crc32(owner.encode()) % 1000:03d}"


def _reach_and_cover(m: _Maker, record: dict[str, Any]) -> None:
    """A community service's helpline, its duty adviser (a role, no name), the council area it
    serves (a GeoJSON box around the centre), its funding and its place's step-free access."""
    sid, url = record["id"], record["url"]
    record["phones"] = [{"id": _id(sid, "phone"), "url": url, "number": _phone_number(sid),
                         "description": "Helpline, weekdays 9am to 5pm"}]  # fmt: skip
    adviser = _id(sid, "contact")
    record["contacts"] = [{"id": adviser, "url": url, "title": "Duty adviser",
                           "phones": [{"id": _id(adviser, "phone"), "url": url,
                                       "number": _phone_number(adviser)}]}]  # fmt: skip
    (lat, lon), (dlat, dlon) = m.centre, AREA_HALF_SIZE
    box = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
           [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]]  # fmt: skip
    record["service_areas"] = [
        {
            "id": _id(sid, "area"),
            "name": m.area,
            "extent_type": "geojson",
            "extent": json.dumps({"type": "Polygon", "coordinates": [box]}),
        }
    ]
    record["funding"] = [{"id": _id(sid, "funding"), "url": url,
                          "source": f"{m.area} Council community grant"}]  # fmt: skip
    for place in record.get("service_at_locations", []):
        location = place["location"]
        location["accessibility"] = [
            {
                "id": _id(location["id"], "access"),
                "description": "Step-free entrance and an accessible toilet",
            }
        ]


def _charity_number(org: dict[str, Any]) -> list[dict[str, Any]]:
    """A made-up Charity Commission number (org-id.guide scheme GB-CHC)."""
    number = 1_100_000 + zlib.crc32(org["id"].encode()) % 90_000
    return [{"id": _id(org["id"], "charity"), "identifier_scheme": "GB-CHC",
             "identifier_type": "Charity number", "identifier": str(number)}]  # fmt: skip


def vacancy(m: _Maker, org: dict[str, Any]) -> dict[str, Any]:
    """A job vacancy, with its sector, hours and pay."""
    sector = m.rng.choice(list(JOBS))
    record = _base(m, org, f"{m.rng.choice(JOBS[sector])} at {org['name']}", "vacancy", "v")
    sid = record["id"]
    pay = LOWEST_PAY_PENCE + m.rng.choice([0, 0, 25, 50, 100, 179, 300, 500])
    record["attributes"] += [
        _attribute(sid, tx.SECTOR, sector),
        _attribute(sid, tx.FORMAT, "in-person"),
        _attribute(sid, tx.MEASURE, "hours-per-week", m.rng.choice([8, 16, 20, 24, 30, 37])),
        _attribute(sid, tx.MEASURE, "pay-pence-per-hour", pay),
        _attribute(sid, tx.MEASURE, "available", m.rng.randint(1, 3)),
    ]
    record["minimum_age"] = m.rng.choice([16, 18, 18, 21])
    _place(m, record, org["name"])
    return record


def directory(
    *, seed: int, area: str, centre: tuple[float, float] = (53.38, -1.47), size: Size = Size()
) -> Feed:
    """A whole synthetic directory for one area, as an ORUK feed."""
    m = _Maker(seed, area, centre)
    taxonomy = {"id": m.uuid(), "name": SERVICE_TYPE_TAXONOMY,
                "description": "Kinds of community service (synthetic)."}  # fmt: skip
    kinds = {
        name: {
            "id": m.uuid(),
            "taxonomy": SERVICE_TYPE_TAXONOMY,
            "taxonomy_id": taxonomy["id"],
            "term": name,
        }  # fmt: skip
        for name in SERVICE_TYPES
    }
    charities = [m.organisation("Community Trust") for _ in range(max(1, size.services // 5))]
    for charity in charities:
        charity["organization_identifiers"] = _charity_number(charity)
    practices = [m.organisation("Counselling") for _ in range(max(1, size.counsellors // 100))]
    employers = [m.organisation("Ltd") for _ in range(max(1, size.vacancies // 4))]
    services = [community_service(m, m.rng.choice(charities), kinds) for _ in range(size.services)]
    services += [counsellor(m, m.rng.choice(practices), n + 1) for n in range(size.counsellors)]
    services += [vacancy(m, m.rng.choice(employers)) for _ in range(size.vacancies)]
    return Feed(services=services, taxonomies=[taxonomy], terms=list(kinds.values()))
