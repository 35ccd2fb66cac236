"""Social tariffs: cheaper broadband, mobile and water for households on qualifying benefits.

The list is a maintained data file (`data/social_tariffs.yaml`), each entry with its source and
the date it was last checked there. A household qualifies for a tariff when it gets, or is
estimated to be entitled to, one of the tariff's qualifying benefits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from safetynet.entitlements.schemas import (
    DATA_DIR,
    RECEIVABLE,
    HouseholdFile,
    pence,
    validation_messages,
)
from safetynet.errors import InvalidInput

Kind = Literal["broadband", "mobile", "water"]
KNOWN_BENEFITS = RECEIVABLE


class Typical(BaseModel):
    """What a household typically pays without a social tariff."""

    model_config = ConfigDict(extra="forbid")

    monthly_price: float | None = Field(None, gt=0)
    annual_price: float | None = Field(None, gt=0)
    note: str
    source: HttpUrl
    checked: date

    @property
    def annual_pence(self) -> int:
        """The typical cost a year."""
        if self.annual_price is not None:
            return pence(self.annual_price)
        return pence(self.monthly_price or 0) * 12


class Tariff(BaseModel):
    """One provider's social tariff."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    provider: str
    name: str
    monthly_price: float | None = Field(None, ge=0)
    discount_percent: float | None = Field(None, gt=0, le=100)
    qualifying_benefits: list[str] = Field(min_length=1)
    local_authorities: list[str] | None = None
    source: HttpUrl
    checked: date

    @model_validator(mode="after")
    def _priced(self) -> Tariff:
        if (self.monthly_price is None) == (self.discount_percent is None):
            raise ValueError(f"{self.provider} {self.name}: give monthly_price or discount_percent")
        unknown = sorted(set(self.qualifying_benefits) - KNOWN_BENEFITS)
        if unknown:
            raise ValueError(f"{self.provider} {self.name}: unknown benefits {unknown}")
        return self


class TariffList(BaseModel):
    """The whole data file."""

    model_config = ConfigDict(extra="forbid")

    typical: dict[Kind, Typical]
    tariffs: list[Tariff]


@dataclass
class Offer:
    """A social tariff the household qualifies for, and what it saves a year."""

    tariff: Tariff
    annual_saving_pence: int
    because: str


def load_tariffs(path: Path) -> TariffList:
    """Read and validate a social tariffs file."""
    try:
        return TariffList.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        raise InvalidInput(
            f"The social tariffs file {path} has problems.", details=validation_messages(error)
        ) from None


@cache
def shipped_tariffs() -> TariffList:
    """The social tariffs list shipped with Safety Net."""
    return load_tariffs(DATA_DIR / "social_tariffs.yaml")


def saving_pence(tariff: Tariff, typical: Typical) -> int:
    """A year's saving against the typical price (never negative)."""
    if tariff.discount_percent is not None:
        return round(typical.annual_pence * tariff.discount_percent / 100)
    return max(0, typical.annual_pence - pence(tariff.monthly_price or 0) * 12)


def offers(
    household: HouseholdFile, benefits: Iterable[str], tariffs: TariffList | None = None
) -> list[Offer]:
    """Tariffs the household qualifies for, biggest saving first within each kind."""
    data = tariffs or shipped_tariffs()
    held = set(benefits)
    found = []
    for tariff in data.tariffs:
        if tariff.local_authorities and household.local_authority not in tariff.local_authorities:
            continue
        reasons = [b for b in tariff.qualifying_benefits if b in held]
        if reasons:
            saving = saving_pence(tariff, data.typical[tariff.kind])
            found.append(Offer(tariff, saving, reasons[0]))
    kinds = ("broadband", "mobile", "water")
    return sorted(found, key=lambda o: (kinds.index(o.tariff.kind), -o.annual_saving_pence))
