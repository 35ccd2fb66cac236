"""The sections Safety Net ships: gap programmes and rules, CTR schemes, plan risks (and,
registered by the triage domain, triage forms: `triage/packs.py`).

Each reads what is in force for the council area the way its domain does (the deployment's
folders overlaid by the area's own configuration, so a pack exports what the area's pages use)
and writes changes into that area's own configuration only (the `area_config` table): applying
a pack in one council area never changes another's.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from safetynet.areaconfig import service as area
from safetynet.entitlements import service as entitlements
from safetynet.entitlements.ctr import Scheme, scheme_key
from safetynet.gaps import rules
from safetynet.gaps import service as gaps
from safetynet.packs.sections import Items, Section, State, register
from safetynet.packs.staging import Staging

__all__ = ["register_all", "scheme_key"]


def _stager(kind: str):  # noqa: ANN202 (a Section.stage)
    """A section's `stage`: write each changed item into the importing area's configuration."""

    def stage(
        session: Session, tenant_id: int, staging: Staging, changed: Items, source: str
    ) -> None:
        for key, item in changed.items():
            body = item.model_dump(mode="json", exclude_defaults=kind.startswith("gap_"))
            area.put(
                session, tenant_id, kind, key, body, actor=staging.actor or "pack", source=source,
                pack=staging.pack,
            )  # fmt: skip

    return stage


def _programmes(session: Session, tenant_id: int) -> Items:
    return dict(gaps.rulebook(session=session, tenant_id=tenant_id).programmes)


def _rules(session: Session, tenant_id: int) -> Items:
    return dict(gaps.rulebook(session=session, tenant_id=tenant_id).rules)


def _check_gaps(state: State) -> list[str]:
    programmes: dict = state.get("gap_programmes", {})
    found: dict = state.get("gap_rules", {})
    origin = dict.fromkeys(found, "the pack") | {f"programme:{k}": "the pack" for k in programmes}
    return rules.cross_check(programmes, found, origin)


def _schemes(session: Session, tenant_id: int) -> Items:
    found: Items = {}
    for scheme in entitlements.council_schemes(session=session, tenant_id=tenant_id):
        found.setdefault(scheme_key(scheme), scheme)
    return found


def _risks(session: Session, tenant_id: int) -> Items:
    from safetynet.plans.service import RiskEntry, standard_risks

    found: Items = {}
    for entry in standard_risks(session, tenant_id):
        fields = {k: v for k, v in entry.items() if k != "key"}
        found[entry["key"]] = RiskEntry.model_validate(fields)
    return found


def register_all() -> None:
    """Register the shipped sections."""
    register(
        Section(
            "gap_programmes", "Programmes", rules.Programme, _programmes,
            _stager("gap_programme"), check=_check_gaps, order=10,
        )
    )  # fmt: skip
    register(
        Section(
            "gap_rules", "Gap rules", rules.Rule, _rules, _stager("gap_rule"),
            check=_check_gaps, order=20,
        )
    )  # fmt: skip
    register(
        Section("ctr_schemes", "CTR schemes", Scheme, _schemes, _stager("ctr_scheme"), order=30)
    )
    from safetynet.plans.service import RiskEntry

    register(Section("plan_risks", "Plan risks", RiskEntry, _risks, _stager("plan_risk"), order=40))
    from safetynet.triage import packs as triage_packs

    triage_packs.register_section()
