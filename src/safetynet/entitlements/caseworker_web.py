"""A caseworker's entitlement check on a resident: pre-filled from the linked sources, edited,
run, saved to the resident's record; their past checks listed. Caseworkers and admins only;
the service functions check the resident's council area again and audit each step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.entitlements import access, selfcheck
from safetynet.entitlements.questions import BENEFITS, TENURES, number
from safetynet.entitlements.residents import ScreenedHousehold
from safetynet.entitlements.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_PEOPLE,
    HouseholdFile,
    engine_places,
    validation_messages,
)
from safetynet.web.deps import Db, require
from safetynet.web.kept_forms import restored_fields
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Checker = Annotated[Principal, Depends(require("entitlements.check"))]
MONEY = ("rent_monthly", "council_tax_annual", "savings")
PERSON_MONEY = ("employment_income", "self_employment_income", "state_pension", "private_pension")


def _values(household: HouseholdFile | None) -> dict[str, Any]:
    """Form values (as text) from a household file."""
    if household is None:
        return {"year": "2025", "tenure": "other", "couple": "yes", "receives": []}
    data = household.model_dump(mode="json")
    values: dict[str, Any] = {
        k: _text(data[k]) for k in ("year", "local_authority", "tenure", *MONEY)
    }
    places = engine_places()
    values["local_authority"] = places["local_authorities"].get(data["local_authority"], "")
    values |= {
        "brma": places["brmas"].get(data.get("brma") or "", ""),
        "receives": data["receives"],
    }
    values["couple"] = "no" if data.get("couple") is False else "yes"
    for i, person in enumerate(data["people"], start=1):
        values[f"p{i}_age"] = str(person["age"])
        values |= {f"p{i}_{k}": _text(person[k]) for k in PERSON_MONEY}
        values[f"p{i}_disabled"] = "yes" if person["disabled"] else ""
        values[f"p{i}_in_education"] = "yes" if person["in_education"] else ""
    return values


def _text(value: Any) -> str:
    if isinstance(value, float):
        return "" if value == 0 else f"{value:g}"
    return str(value)


def _rows(values: dict[str, Any]) -> int:
    given = [i for i in range(1, MAX_PEOPLE + 1) if str(values.get(f"p{i}_age", "")).strip()]
    return min(MAX_PEOPLE, max([2, *[i + 1 for i in given]]))


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    resident_id: int,
    values: dict[str, Any],
    **extra: Any,
) -> Response:
    past = access.saved_checks(db, principal, resident_id)
    errors = extra.pop("errors", [])
    kept = restored_fields(request, f"/residents/{resident_id}/entitlements")
    if kept:  # typed before the session ended, in place of the sources' values (an unticked
        # box is simply not sent, so merging over them would tick it again)
        receives = kept.get("receives", [])
        values = kept | {"receives": [receives] if isinstance(receives, str) else receives}
    return render(
        request,
        "entitlements/caseworker.html",
        status_code=400 if errors else 200,
        title="Entitlement check",
        resident_id=resident_id,
        form=values,
        rows=_rows(values),
        past=past,
        errors=errors,
        by_field={e["href"][1:]: e["text"] for e in errors},
        years=[(str(y), f"{y} to {y + 1}") for y in range(FIRST_YEAR, LAST_YEAR + 1)],
        tenures=TENURES,
        benefits=[
            {"value": v, "text": t, "checked": v in (values.get("receives") or [])}
            for v, t in BENEFITS
        ],
        **({"result": None, "provenance": None, "saved": None} | extra),
    )


@router.get("/residents/{resident_id}/entitlements")
def check_page(request: Request, db: Db, principal: Checker, resident_id: int) -> Response:
    """The resident's household as the sources describe it, ready to check; past checks."""
    setup = access.setup(db, principal.tenant_id)
    found: ScreenedHousehold | None = None
    if setup is not None:
        found = access.prefill(db, principal, resident_id, setup)
    else:
        access.check_scope(db, principal, resident_id)
    household = found.household if found else None
    return _page(
        request,
        db,
        principal,
        resident_id,
        _values(household),
        provenance=found.provenance if found else None,
        prefill_problem=found.error if found else "no council known: run screening first",
    )


def _household(form: Any) -> tuple[HouseholdFile | None, list[dict[str, str]]]:
    """The household the form describes, or the problems, each linked to its field."""
    errors: list[dict[str, str]] = []
    data: dict[str, Any] = {
        "year": form.get("year") or "",
        "local_authority": (form.get("local_authority") or "").strip(),
        "tenure": form.get("tenure") or "",
        "couple": form.get("couple") == "yes",
        "receives": [b for b in form.getlist("receives") if b in dict(BENEFITS)],
        "people": [],
    }
    if (form.get("brma") or "").strip():
        data["brma"] = form.get("brma").strip()
    for name in MONEY:
        data[name] = _money(form, name, name, errors)
    for i in range(1, MAX_PEOPLE + 1):
        if not str(form.get(f"p{i}_age") or "").strip():
            continue
        person = {"age": _money(form, f"p{i}_age", f"p{i}_age", errors, whole=True)}
        person |= {k: _money(form, f"p{i}_{k}", f"p{i}_{k}", errors) for k in PERSON_MONEY}
        person["disabled"] = form.get(f"p{i}_disabled") == "yes"
        person["in_education"] = form.get(f"p{i}_in_education") == "yes"
        data["people"].append(person)
    if errors:
        return None, errors
    try:
        return HouseholdFile.model_validate(data), []
    except ValidationError as error:
        return None, [_linked(m, data) for m in validation_messages(error)]


def _money(form: Any, name: str, field: str, errors: list, whole: bool = False) -> float:
    try:
        value = number(form.get(name))
    except ValueError:
        errors.append({"text": f"{_label(field)}: enter a number", "href": f"#{field}"})
        return 0
    if whole and value is not None and value != value.to_integral_value():
        errors.append({"text": f"{_label(field)}: enter a whole number", "href": f"#{field}"})
    return 0 if value is None else (int(value) if whole else float(value))


def _label(field: str) -> str:
    if field.startswith("p") and "_" in field and field[1].isdigit():
        index, rest = field[1:].split("_", 1)
        return f"Person {index}, {rest.replace('_', ' ')}"
    return field.replace("_", " ").capitalize()


def _linked(message: str, data: dict[str, Any]) -> dict[str, str]:
    """A schema message linked to the form field it names (people[2].age -> #p2_age)."""
    path, _, text = message.partition(": ")
    if not text:
        return {"text": message, "href": "#local_authority"}
    if path.startswith("people[") and "]" in path:
        index, _, rest = path[len("people[") :].partition("]")
        field = f"p{index}_{rest.lstrip('.') or 'age'}"
    else:
        field = "p1_age" if path == "people" else path
    return {"text": f"{_label(field)}: {text}", "href": f"#{field}"}


@router.post("/residents/{resident_id}/entitlements")
async def run_check(request: Request, db: Db, principal: Checker, resident_id: int) -> Response:
    """Check the household as edited; with "Check and save", keep it on the resident's record."""
    form = await request.form()
    values: dict[str, Any] = {k: form.get(k) for k in form.keys()} | {
        "receives": form.getlist("receives")
    }
    household, errors = _household(form)
    if household is None:
        return _page(request, db, principal, resident_id, values, errors=errors)
    check, saved = access.run_check(
        db, principal, resident_id, household, save=form.get("action") == "save"
    )
    return _page(
        request,
        db,
        principal,
        resident_id,
        values,
        result=selfcheck.result_view(check),
        saved=saved,
    )
