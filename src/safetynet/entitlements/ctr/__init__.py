"""Councils' own working-age Council Tax Reduction schemes, described in YAML.

Since 2013 each English council sets its own working-age scheme, and policyengine-uk models
only a handful. A council describes its scheme in a YAML file (see `docs/entitlements.md` and
the two examples in this folder); it is used for working-age households in that council
where the engine has no scheme. Pension-age households keep the national scheme the engine
models. Two kinds are supported, as most councils now run:

- `banded`: a reduction percentage by band of weekly net income, bands by household type;
- `percentage`: a maximum percentage of the bill, tapered away above an applicable amount.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from safetynet.entitlements.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    HouseholdFile,
    resolve_place,
    validation_messages,
)
from safetynet.errors import InvalidInput

HERE = Path(__file__).parent
HOUSEHOLD_TYPES = ("single", "couple", "one_child", "two_or_more_children")
Money = float


class IncomeRules(BaseModel):
    """What counts as income, a week, before bands or the taper are applied."""

    model_config = ConfigDict(extra="forbid")

    earnings_disregard_weekly: Money = Field(0, ge=0, le=1000)
    count_universal_credit: bool = True
    count_child_benefit: bool = False


class Band(BaseModel):
    """Households with weekly income up to these limits get `reduction_percent` off."""

    model_config = ConfigDict(extra="forbid")

    reduction_percent: float = Field(ge=0, le=100)
    max_weekly_income: dict[Literal[HOUSEHOLD_TYPES], Money]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _every_type(self) -> Band:
        missing = [t for t in HOUSEHOLD_TYPES if t not in self.max_weekly_income]
        if missing:
            raise ValueError(f"max_weekly_income needs a limit for {', '.join(missing)}")
        return self


class Taper(BaseModel):
    """A maximum share of the bill, less a share of income above the applicable amount."""

    model_config = ConfigDict(extra="forbid")

    maximum_percent: float = Field(gt=0, le=100)
    taper_percent: float = Field(gt=0, le=100)
    applicable_amount_weekly: dict[Literal["single", "couple", "per_child"], Money]


class Scheme(BaseModel):
    """One council's working-age scheme for some financial years."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=200)
    local_authority: str
    years: list[int] = Field(min_length=1)
    kind: Literal["banded", "percentage"]
    source: str = Field(min_length=10, description="Where the figures come from, and when.")
    capital_limit: Money = Field(16_000, ge=0)
    income: IncomeRules = IncomeRules()
    bands: list[Band] | None = None
    percentage: Taper | None = None

    @field_validator("local_authority")
    @classmethod
    def _known_council(cls, value: str) -> str:
        return resolve_place(value, "local_authorities", "local_authority")

    @model_validator(mode="after")
    def _consistent(self) -> Scheme:
        bad = [y for y in self.years if not FIRST_YEAR <= y <= LAST_YEAR]
        if bad:
            raise ValueError(f"years: {bad} outside {FIRST_YEAR} to {LAST_YEAR}")
        if self.kind == "banded" and not self.bands:
            raise ValueError("bands: a banded scheme needs at least one band")
        if self.kind == "percentage" and self.percentage is None:
            raise ValueError(
                "percentage: a percentage scheme needs maximum_percent, "
                "taper_percent and applicable_amount_weekly"
            )
        if self.bands:
            for limit_type in HOUSEHOLD_TYPES:
                limits = [b.max_weekly_income[limit_type] for b in self.bands]
                if limits != sorted(limits):
                    raise ValueError(f"bands: {limit_type} limits must rise band by band")
        return self


def load_scheme(path: Path) -> Scheme:
    """Read and validate one scheme file; InvalidInput names each bad field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InvalidInput(f"Cannot read the CTR scheme {path}: {error}") from None
    try:
        return Scheme.model_validate(data)
    except ValidationError as error:
        messages = validation_messages(error)
        raise InvalidInput(
            f"The CTR scheme {path} has {len(messages)} problem(s).", details=messages
        ) from None


def load_schemes(folder: Path | None) -> list[Scheme]:
    """Every scheme in a folder (*.yaml, *.yml), or none when no folder is set."""
    if folder is None:
        return []
    if not folder.is_dir():
        raise InvalidInput(f"The CTR schemes folder {folder} does not exist.")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return [load_scheme(path) for path in files]


def scheme_key(scheme: Scheme) -> str:
    """A scheme's key (in a pack, and in an area's own configuration): its name, slugged
    (schemes have no id of their own)."""
    key = re.sub(r"[^a-z0-9]+", "-", scheme.name.lower()).strip("-")[:60].strip("-") or "pack"
    return key if key[0].isalpha() else f"scheme-{key}"


def scheme_for(schemes: list[Scheme], household: HouseholdFile) -> Scheme | None:
    """The scheme of the household's council for its year, if one is described."""
    for scheme in schemes:
        if scheme.local_authority == household.local_authority and household.year in scheme.years:
            return scheme
    return None


def example_schemes() -> list[Path]:
    """The two example schemes shipped with Safety Net."""
    return sorted(HERE.glob("example-*.yaml"))
