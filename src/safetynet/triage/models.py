"""Triage forms (each uploaded version kept whole) and the triages taken with them: answers,
scores and needs, per resident where the resident is known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.db import Base, JSONType, UTCDateTime, utcnow


class TriageForm(Base):
    """One version of a council area's triage form, as uploaded (XLSForm) and as read.

    A new upload of a form with the same `form_id` is the next version; triages keep the
    version they were taken with, so old answers are always read against their questions."""

    __tablename__ = "triage_forms"
    __table_args__ = (UniqueConstraint("tenant_id", "form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(200))


class TriageOutcome(Base):
    """A triage taken (or being taken) for a resident: the answers so far, and once complete
    the scores per need and the needs found."""

    __tablename__ = "triage_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("triage_forms.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # in_progress or complete
    channel: Mapped[str] = mapped_column(String(16))  # staff, cli, api or demo
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    needs: Mapped[list[str]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
