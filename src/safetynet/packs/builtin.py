"""The sections Safety Net ships: gap programmes and rules, CTR schemes, plan risks.

Each reads what is in force the way its domain does (so a pack exports what the pages use)
and writes changes where its domain reads them: one `pack-<source>.yaml` per source council
in SAFETYNET_GAP_RULES_DIR and SAFETYNET_PLAN_RISKS_DIR, one file per scheme in
SAFETYNET_CTR_SCHEMES_DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from safetynet.config import get_settings
from safetynet.entitlements.ctr import Scheme, load_scheme
from safetynet.gaps import rules
from safetynet.gaps import service as gaps
from safetynet.packs.sections import Items, Section, State, dump, register
from safetynet.packs.staging import Staging, folder, slug


def _header(source: str) -> str:
    return f"Written by Safety Net from a configuration pack of {source}. Later files win."


def _gap_file(source: str) -> Path:
    where = folder(get_settings().gap_rules_dir, "SAFETYNET_GAP_RULES_DIR", "gap rules")
    return where / f"pack-{slug(source)}.yaml"


def _stage_gaps(part: str, staging: Staging, changed: Items, source: str) -> None:
    path = _gap_file(source)
    data: dict[str, Any] = staging.pending(path) or {}
    data.setdefault("programmes", {})
    data.setdefault("rules", {})
    for key, item in changed.items():
        data[part][key] = item.model_dump(mode="json", exclude_defaults=True)
    staging.put(path, data, _header(source))


def _programmes(session: Session, tenant_id: int) -> Items:
    return dict(gaps.rulebook().programmes)


def _rules(session: Session, tenant_id: int) -> Items:
    return dict(gaps.rulebook().rules)


def _check_gaps(state: State) -> list[str]:
    programmes: dict[str, Any] = state.get("gap_programmes", {})
    found: dict[str, Any] = state.get("gap_rules", {})
    origin = dict.fromkeys(found, "the pack") | {f"programme:{k}": "the pack" for k in programmes}
    return rules.cross_check(programmes, found, origin)


def scheme_key(scheme: Scheme) -> str:
    """A scheme's key in a pack: its name, slugged (schemes have no id of their own)."""
    key = slug(scheme.name, 60)
    return key if key[0].isalpha() else f"scheme-{key}"


def _scheme_files() -> dict[str, tuple[Path, Scheme]]:
    where = get_settings().ctr_schemes_dir
    if where is None or not where.is_dir():
        return {}
    found: dict[str, tuple[Path, Scheme]] = {}
    for path in sorted([*where.glob("*.yaml"), *where.glob("*.yml")]):
        scheme = load_scheme(path)
        found.setdefault(scheme_key(scheme), (path, scheme))
    return found


def _schemes(session: Session, tenant_id: int) -> Items:
    return {key: scheme for key, (_path, scheme) in _scheme_files().items()}


def _stage_schemes(
    session: Session, tenant_id: int, staging: Staging, changed: Items, source: str
) -> None:
    where = folder(get_settings().ctr_schemes_dir, "SAFETYNET_CTR_SCHEMES_DIR", "CTR schemes")
    files = _scheme_files()
    for key, item in changed.items():
        path = files[key][0] if key in files else where / f"{key}.yaml"
        staging.put(path, dump(item), _header(source))


def _risks(session: Session, tenant_id: int) -> Items:
    from safetynet.plans.service import RiskEntry, standard_risks

    found: Items = {}
    for entry in standard_risks():
        fields = {k: v for k, v in entry.items() if k != "key"}
        found[entry["key"]] = RiskEntry.model_validate(fields)
    return found


def _stage_risks(
    session: Session, tenant_id: int, staging: Staging, changed: Items, source: str
) -> None:
    where = folder(get_settings().plan_risks_dir, "SAFETYNET_PLAN_RISKS_DIR", "plan risks")
    path = where / f"pack-{slug(source)}.yaml"
    entries = {e["key"]: e for e in staging.pending(path) or []}
    for key, item in changed.items():
        entries[key] = {"key": key, **dump(item)}
    staging.put(path, list(entries.values()), _header(source))


def register_all() -> None:
    """Register the shipped sections."""
    register(
        Section(
            "gap_programmes", "Programmes", rules.Programme, _programmes,
            lambda s, t, staging, changed, source: _stage_gaps(
                "programmes", staging, changed, source
            ),
            check=_check_gaps, order=10,
        )
    )  # fmt: skip
    register(
        Section(
            "gap_rules", "Gap rules", rules.Rule, _rules,
            lambda s, t, staging, changed, source: _stage_gaps("rules", staging, changed, source),
            check=_check_gaps, order=20,
        )
    )  # fmt: skip
    register(Section("ctr_schemes", "CTR schemes", Scheme, _schemes, _stage_schemes, order=30))
    from safetynet.plans.service import RiskEntry

    register(Section("plan_risks", "Plan risks", RiskEntry, _risks, _stage_risks, order=40))
