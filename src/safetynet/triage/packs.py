"""Triage forms in a council's pack (docs/packs.md): each form the area uses now, as the file
it was uploaded as, so another council takes exactly that questionnaire.

A form is configuration, never a resident's answers: the item holds the form file, its name,
title and checksum, and nothing else (`extra="forbid"`). Applying a pack stores a changed or
new form as the next version of that form in the importing area (the way an upload does), in
the pack's transaction; triages already taken keep the version they were taken with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import PurePath

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.errors import InvalidInput
from safetynet.packs.sections import Items, Section, State, register
from safetynet.packs.staging import Staging
from safetynet.triage.forms import default_form, read_form
from safetynet.triage.models import TriageForm
from safetynet.triage.service import add_form

SUFFIXES = (".xlsx", ".md", ".csv")


class FormSpec(BaseModel):
    """One triage form as a pack carries it (the whitelist of its fields)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    filename: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_base64: str = Field(min_length=1)

    @field_validator("filename")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if PurePath(value).name != value or not value.lower().endswith(SUFFIXES):
            raise ValueError(f"must be a plain file name ending {', '.join(SUFFIXES)}")
        return value

    def content(self) -> bytes:
        """The form file, checked against its checksum."""
        try:
            data = base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(f"triage form {self.filename}: its content is not base64.") from exc
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise InvalidInput(f"triage form {self.filename}: its content differs from its sha256.")
        return data

    @classmethod
    def of(cls, content: bytes, filename: str, title: str) -> FormSpec:
        return cls(
            title=title, filename=filename, sha256=hashlib.sha256(content).hexdigest(),
            content_base64=base64.b64encode(content).decode("ascii"),
        )  # fmt: skip


def current_forms(session: Session, tenant_id: int) -> Items:
    """The newest version of each of the area's forms; the shipped form when it has none."""
    rows = session.scalars(
        select(TriageForm)
        .where(TriageForm.tenant_id == tenant_id)
        .order_by(TriageForm.form_id, TriageForm.version.desc())
    ).all()
    found: Items = {}
    for row in rows:
        if row.form_id not in found:
            found[row.form_id] = FormSpec.of(bytes(row.content), row.filename, row.title)
    if not found:
        content, filename = default_form()
        form = read_form(content, filename)
        found[form.form_id] = FormSpec.of(content, filename, form.title)
    return found


def stage_forms(
    session: Session, tenant_id: int, staging: Staging, changed: Items, source: str
) -> None:
    """Store each new or changed form as the next version of its form in this area."""
    for item in changed.values():
        assert isinstance(item, FormSpec)
        detail = {"pack": staging.pack, "source_council": source}
        add_form(session, tenant_id, item.content(), item.filename, staging.actor or "pack",
                 detail=detail)  # fmt: skip


def check_forms(state: State) -> list[str]:
    """Every form must read as a triage form, under the key of its own form id."""
    problems = []
    for key, item in state.get("triage_forms", {}).items():
        assert isinstance(item, FormSpec)
        try:
            form = read_form(item.content(), item.filename)
        except InvalidInput as exc:
            problems.append(f"triage form '{key}': {exc}")
            problems.extend(f"triage form '{key}': {detail}" for detail in exc.details or [])
            continue
        if form.form_id != key:
            problems.append(f"triage form '{key}': the file's form id is '{form.form_id}'.")
    return problems


def register_section() -> None:
    """Make triage forms a pack section (called from `packs.builtin.register_all`)."""
    section = Section(
        "triage_forms", "Triage forms", FormSpec, current_forms, stage_forms,
        check=check_forms, order=50,
    )  # fmt: skip
    register(section)
