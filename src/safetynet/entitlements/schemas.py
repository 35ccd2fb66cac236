"""The household file: who lives there, what they have coming in, and what the home costs.

Money is given in pounds (incomes, pensions and savings a year; rent a month) and held as
integer pence. Validation needs no PolicyEngine import: the engine's council and rental-area
names are shipped in `data/engine_places.json` (a test checks them against the engine).
"""

from __future__ import annotations

import difflib
import json
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safetynet.errors import InvalidInput

# Financial years the pinned engine covers (2025 = 2025/26); later years are projections.
FIRST_YEAR = 2023
LAST_YEAR = 2029
MAX_PEOPLE = 20
MAX_ANNUAL_POUNDS = 5_000_000
MAX_SAVINGS_POUNDS = 50_000_000
MAX_RENT_MONTHLY_POUNDS = 25_000
MAX_COUNCIL_TAX_POUNDS = 25_000
DATA_DIR = Path(__file__).parent / "data"


class Tenure(StrEnum):
    """How the household holds its home, in the product's words."""

    OWNER_OUTRIGHT = "owner_outright"
    OWNER_MORTGAGE = "owner_mortgage"
    PRIVATE_RENT = "private_rent"
    SOCIAL_RENT = "social_rent"
    OTHER = "other"


# Benefits a household can say it already gets (`receives`): the ones the check estimates, and
# the legacy benefits that still qualify people for social tariffs.
RECEIVABLE = {
    "universal_credit",
    "pension_credit",
    "housing_benefit",
    "child_benefit",
    "council_tax_reduction",
    "pip",
    "attendance_allowance",
    "jsa",
    "esa",
    "income_support",
}

OWNER_TENURES = {Tenure.OWNER_OUTRIGHT, Tenure.OWNER_MORTGAGE}


@cache
def engine_places() -> dict[str, dict[str, str]]:
    """The engine's local authority and BRMA names: internal name -> label."""
    data: dict[str, dict[str, str]] = json.loads((DATA_DIR / "engine_places.json").read_text())
    return data


def _key(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


@cache
def _place_index(kind: str) -> dict[str, str]:
    names = engine_places()[kind]
    return {_key(label): name for name, label in names.items()} | {_key(n): n for n in names}


def resolve_place(value: str, kind: str, field: str) -> str:
    """The engine's internal name for a council or BRMA given by name or label, any case."""
    names = engine_places()[kind]
    found = _place_index(kind).get(_key(value))
    if found:
        return found
    close = difflib.get_close_matches(value.title(), list(names.values()), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"'{value}' is not a {field.replace('_', ' ')} the engine knows.{hint}")


def pence(pounds: float | int | Decimal) -> int:
    """Pounds to integer pence, rounding half a penny up."""
    return int((Decimal(str(pounds)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Person(BaseModel):
    """One member of the household. Incomes and pensions are pounds a year."""

    model_config = ConfigDict(extra="forbid")

    age: int = Field(ge=0, le=120)
    employment_income: float = Field(0, ge=0, le=MAX_ANNUAL_POUNDS)
    self_employment_income: float = Field(0, ge=0, le=MAX_ANNUAL_POUNDS)
    state_pension: float = Field(0, ge=0, le=100_000)
    private_pension: float = Field(0, ge=0, le=MAX_ANNUAL_POUNDS)
    disabled: bool = False
    in_education: bool = False
    pip_daily_living: str | None = Field(None, pattern="^(standard|enhanced)$")
    pip_mobility: str | None = Field(None, pattern="^(standard|enhanced)$")
    attendance_allowance: str | None = Field(None, pattern="^(lower|higher)$")

    @property
    def is_child(self) -> bool:
        """Under 16, or 16 to 19 and in non-advanced education."""
        return self.age < 16 or (self.age <= 19 and self.in_education)


class HouseholdFile(BaseModel):
    """A household as a resident, caseworker or screening run describes it."""

    model_config = ConfigDict(extra="forbid")

    year: int
    local_authority: str
    tenure: Tenure
    rent_monthly: float = Field(0, ge=0, le=MAX_RENT_MONTHLY_POUNDS)
    council_tax_annual: float = Field(0, ge=0, le=MAX_COUNCIL_TAX_POUNDS)
    savings: float = Field(0, ge=0, le=MAX_SAVINGS_POUNDS)
    couple: bool | None = None
    brma: str | None = None
    receives: list[str] = Field(default_factory=list, max_length=12)
    people: list[Person] = Field(min_length=1, max_length=MAX_PEOPLE)

    @field_validator("year")
    @classmethod
    def _year_covered(cls, year: int) -> int:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(
                f"the engine covers financial years {FIRST_YEAR} to {LAST_YEAR} "
                f"(2025 means 2025/26), not {year}"
            )
        return year

    @field_validator("receives")
    @classmethod
    def _known_benefits(cls, values: list[str]) -> list[str]:
        unknown = sorted(set(values) - RECEIVABLE)
        if unknown:
            raise ValueError(f"{unknown} not among {sorted(RECEIVABLE)}")
        return values

    @field_validator("local_authority")
    @classmethod
    def _known_council(cls, value: str) -> str:
        return resolve_place(value, "local_authorities", "local_authority")

    @field_validator("brma")
    @classmethod
    def _known_brma(cls, value: str | None) -> str | None:
        return None if value is None else resolve_place(value, "brmas", "brma")

    @model_validator(mode="after")
    def _consistent(self) -> HouseholdFile:
        if self.tenure in OWNER_TENURES and self.rent_monthly > 0:
            raise ValueError(
                f"rent_monthly: an owner-occupier ({self.tenure.value}) pays no rent; "
                "set rent_monthly to 0 or choose a renting tenure"
            )
        if not any(not p.is_child for p in self.people):
            raise ValueError("people: the household needs at least one adult (16 or over)")
        rents_privately = self.tenure == Tenure.PRIVATE_RENT or (
            self.tenure == Tenure.OTHER and self.rent_monthly > 0
        )
        if rents_privately and self.brma is None:
            if self.local_authority not in engine_places()["brmas"]:
                label = engine_places()["local_authorities"][self.local_authority]
                raise ValueError(
                    f"brma: private renters in {label} need a brma (the Broad Rental Market "
                    "Area whose Local Housing Allowance applies; see the VOA's LHA lists)"
                )
            self.brma = self.local_authority
        return self

    @property
    def adults(self) -> list[Person]:
        """People who are not children, in the order given."""
        return [p for p in self.people if not p.is_child]

    @property
    def children(self) -> list[Person]:
        """Children and qualifying young people."""
        return [p for p in self.people if p.is_child]

    def pence(self) -> dict[str, int]:
        """The household's money as integer pence: rent a month, the rest a year."""
        return {
            "rent_monthly": pence(self.rent_monthly),
            "council_tax_annual": pence(self.council_tax_annual),
            "savings": pence(self.savings),
        }


def _where(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item + 1}]" if parts else f"[{item + 1}]"
        else:
            parts.append(str(item))
    return ".".join(parts) or "household"


def validation_messages(error: ValidationError) -> list[str]:
    """Each problem as "field: what is wrong", people numbered from 1."""
    messages = []
    for problem in error.errors():
        where = _where(tuple(problem["loc"]))
        text = problem["msg"].removeprefix("Value error, ")
        if not problem["loc"]:
            messages.append(text)
        else:
            messages.append(f"{where}: {text}")
    return messages


def parse_household(data: Any, *, origin: str = "household") -> HouseholdFile:
    """A validated household from parsed JSON or YAML; InvalidInput names each bad field."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{origin}: expected an object with year, local_authority, people…")
    try:
        return HouseholdFile.model_validate(data)
    except ValidationError as error:
        messages = validation_messages(error)
        raise InvalidInput(
            f"{origin} has {len(messages)} problem(s): fix them and try again.",
            details=messages,
        ) from None


def load_household(path: Path) -> HouseholdFile:
    """Read and validate a household file (JSON or YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"Cannot read {path}: {error.strerror}.") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path} is not valid JSON or YAML: {error}") from None
    return parse_household(data, origin=str(path))
