"""A seeker's need as the API, the CLI and the pages take it: checked once, here."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from safetynet.match.model import ALL_FORMATS, Kind, Seeker

CODE = r"^[a-z0-9_\-]{1,40}$"


class SeekerIn(BaseModel):
    """What the person needs and the limits every match must respect."""

    needs: list[str] = Field(default_factory=list, max_length=20,
                             description="Needs to help with, e.g. debt, housing")
    kind: str | None = Field(None, description="service, counsellor or vacancy (any if left out)")
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1, max_length=10,
                                 description="Languages they speak, preferred first")
    formats: list[str] = Field(default_factory=lambda: ["in_person", "phone", "video"],
                               min_length=1, max_length=3,
                               description="in_person, phone, video; preferred first")
    gender_preference: str | None = Field(None, max_length=32)
    max_cost_pence: int | None = Field(0, ge=0, le=1_000_000,
                                       description="Most they can pay (None: no limit)")
    low_income: bool = False
    max_distance_km: float | None = Field(None, ge=0, le=500)
    age: int | None = Field(None, ge=0, le=150)
    area: str | None = Field(None, max_length=40)
    lat: float | None = Field(None, ge=49, le=61)
    lon: float | None = Field(None, ge=-9, le=3)
    postcode: str | None = Field(None, max_length=10,
                                 description="Where they travel from, instead of lat and lon: "
                                             "placed by the area's postcode directory")
    min_hours: float | None = Field(None, ge=0, le=80)
    max_hours: float | None = Field(None, ge=0, le=80)
    min_pay_pence_per_hour: int | None = Field(None, ge=0, le=100_000)
    sectors: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("needs", "languages", "sectors")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().lower() for v in values if v.strip()]
        for value in cleaned:
            if len(value) > 40:
                raise ValueError(f"'{value[:40]}…' is too long for a code (40 characters)")
        return cleaned

    @field_validator("formats")
    @classmethod
    def _formats(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().lower().replace("-", "_") for v in values]
        unknown = [v for v in cleaned if v not in ALL_FORMATS]
        if unknown:
            raise ValueError(f"unknown format {unknown[0]!r}: use in_person, phone or video")
        return cleaned

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in {k.value for k in Kind}:
            raise ValueError("kind must be service, counsellor or vacancy")
        return value

    def seeker(self, resident_id: int | None = None) -> Seeker:
        """The engine's seeker for this need."""
        data = self.model_dump(exclude={"postcode"})
        data |= {"needs": frozenset(self.needs), "sectors": frozenset(self.sectors),
                 "languages": tuple(dict.fromkeys(self.languages)),
                 "formats": tuple(dict.fromkeys(self.formats)), "resident_id": resident_id}
        return Seeker(**data)
