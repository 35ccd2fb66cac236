"""Wards of a council area, their boundaries, the postcode lookup that places people, and the
published reference files (postcode directory, deprivation, broadband) that describe places."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class Ward(Base):
    """An electoral ward of a council area, with its boundary (GeoJSON geometry) when known."""

    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))


class WardPostcode(Base):
    """One postcode of the area and the ward it lies in (the reference file's rows)."""

    __tablename__ = "ward_postcodes"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)


class PlaceFile(Base):
    """One version of a published reference file imported for an area: the ONS postcode
    directory, the English Indices of Deprivation or Ofcom's fixed broadband coverage.

    Versions are kept; the newest of each kind is the one profiles use, so a council can
    import next year's edition and compare, or remove a version to fall back to the one before.
    """

    __tablename__ = "place_files"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # postcodes | deprivation | connectivity
    edition: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_kept: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))


class PlacePostcode(Base):
    """A live postcode of the area from the postcode directory: its output area, LSOA, ward,
    local authority and rural-urban class."""

    __tablename__ = "place_postcodes"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("place_files.id", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    oa: Mapped[str | None] = mapped_column(String(12))
    lsoa: Mapped[str | None] = mapped_column(String(12))
    ward_code: Mapped[str | None] = mapped_column(String(12))
    la_code: Mapped[str | None] = mapped_column(String(12))
    rural_class: Mapped[str | None] = mapped_column(String(8))
    rural: Mapped[bool | None] = mapped_column(Boolean)
    lat: Mapped[float | None] = mapped_column(Float)  # WGS84, when the file gives it
    lon: Mapped[float | None] = mapped_column(Float)


class PlaceDeprivation(Base):
    """An LSOA's Index of Multiple Deprivation score, national rank and decile."""

    __tablename__ = "place_deprivation"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("place_files.id", ondelete="CASCADE"), primary_key=True
    )
    lsoa: Mapped[str] = mapped_column(String(12), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    decile: Mapped[int] = mapped_column(Integer)


class PlaceConnectivity(Base):
    """Fixed broadband coverage of one postcode: premises, and the share of them that can get
    gigabit, full fibre and superfast broadband, or cannot get a decent service (the USO)."""

    __tablename__ = "place_connectivity"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("place_files.id", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    premises: Mapped[int] = mapped_column(Integer)
    gigabit_pct: Mapped[float] = mapped_column(Float)
    full_fibre_pct: Mapped[float | None] = mapped_column(Float)
    superfast_pct: Mapped[float | None] = mapped_column(Float)
    below_uso_pct: Mapped[float | None] = mapped_column(Float)
