"""The matching pages: for one resident, a caseworker describes the need, sees the ranked
matches with the reasons for each, ticks some and refers; the resident's referrals are listed
below, each with a form to note how it went. The need is sent by POST, never in a URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput, NotFound, SafetynetError
from safetynet.link import resident_access
from safetynet.match import referrals, training
from safetynet.match.area import area_loader, located
from safetynet.match.columns import ProviderColumns
from safetynet.match.engine import Ranking
from safetynet.match.schemas import SeekerIn
from safetynet.match.triage_needs import directory_needs
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("match.view"))]
Referrer = Annotated[Principal, Depends(require("match.refer"))]
LIST_FIELDS = ("needs", "formats", "service_id")
TEXT_FIELDS = ("kind", "languages", "gender_preference", "max_cost", "max_distance_km", "age",
               "lat", "lon", "low_income", "postcode")
STATUS_CHOICES = [(s.value, label) for s, label in referrals.STATUS_LABELS.items()]


Area = Annotated[Callable[[int], ProviderColumns], Depends(area_loader)]


async def _form(request: Request) -> dict[str, Any]:
    data = await request.form()
    form: dict[str, Any] = {k: [str(v) for v in data.getlist(k)] for k in LIST_FIELDS}
    form |= {k: str(data.get(k, "")).strip()[:200] for k in TEXT_FIELDS}
    return form


def _numbers(form: dict[str, Any]) -> dict[str, float | None]:
    """The form's numbers; any that is not one is refused under its own field."""
    found: dict[str, float | None] = {}
    problems = []
    for name in ("max_cost", "max_distance_km", "age", "lat", "lon"):
        try:
            found[name] = float(form[name]) if form[name] else None
        except ValueError:
            problems.append({"text": f"{LABELS[name]}: enter a number, like 12 or 7.5",
                             "href": f"#{name}"})
    if problems:
        raise SeekerRefused(problems)
    return found


def placed_need(db: Session, tenant_id: int, form: dict[str, Any]) -> SeekerIn:
    """The form's need, with a postcode placed by the area's postcode directory."""
    need = need_of(form)
    try:
        return located(db, tenant_id, need)
    except InvalidInput as refused:
        raise SeekerRefused([{"text": f"{LABELS['postcode']}: {refused.message}",
                              "href": "#postcode"}]) from None


def need_of(form: dict[str, Any]) -> SeekerIn:
    """The need the form describes, checked by the same schema as the API's."""
    n = _numbers(form)
    values: dict[str, Any] = {
        "needs": form["needs"], "formats": form["formats"] or None,
        "kind": form["kind"] or None,
        "languages": form["languages"].replace(",", " ").split() or None,
        "gender_preference": form["gender_preference"] or None,
        "max_cost_pence": None if n["max_cost"] is None else round(n["max_cost"] * 100),
        "low_income": form["low_income"] == "yes", "max_distance_km": n["max_distance_km"],
        "age": None if n["age"] is None else int(n["age"]), "lat": n["lat"], "lon": n["lon"],
        "postcode": form.get("postcode") or None,
    }
    try:
        return SeekerIn(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as refused:
        raise SeekerRefused([
            {"text": f"{_label(e['loc'])}: {e['msg']}", "href": f"#{_field(e['loc'])}"}
            for e in refused.errors()
        ]) from None


class SeekerRefused(Exception):
    """A need the form described badly: the GOV.UK error summary's items."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("the need was refused")
        self.errors = errors


FIELD_OF = {"max_cost_pence": "max_cost"}
LABELS = {"needs": "Needs", "formats": "How they can meet", "languages": "Languages",
          "max_cost": "Most they can pay", "max_distance_km": "Furthest they can travel, in km",
          "age": "Age", "postcode": "Where they travel from: postcode", "lat": "Latitude",
          "lon": "Longitude", "kind": "Looking for",
          "gender_preference": "Gender of practitioner"}


def _field(loc: tuple[Any, ...]) -> str:
    name = str(loc[0]) if loc else "needs"
    return FIELD_OF.get(name, name)


def _label(loc: tuple[Any, ...]) -> str:
    return LABELS.get(_field(loc), _field(loc))


def _page(request: Request, db: Session, principal: Principal, resident_id: int,
          cols: ProviderColumns, status: int = 200, **extra: Any) -> Response:
    seen = resident_access.view(db, principal, resident_access.current(db, principal,
                                                                       resident_id))
    made = referrals.referrals_for(db, principal, resident_id)
    form = extra.pop("form", None) or {}
    if not form.get("age") and seen.born:  # a need starts from what is known of the person
        form = form | {"age": str(_years(seen.born))}
    ranking = extra.get("ranking")
    if ranking is not None and ranking.method == "score":  # say why, if a ranker lost
        kept = training.latest_ranker(db, principal.tenant_id)
        if kept is not None and not training.in_use(kept):
            extra["ranker_note"] = training.verdict(kept)
    return render(
        request, "match/matches.html", status, title=f"Matches for {seen.name or 'resident'}",
        seen=seen, resident_id=resident_id, referrals=made,
        status_labels=referrals.STATUS_LABELS, next_statuses=_next_statuses(),
        need_choices=sorted(cols.categories.codes), form=form, **extra,
    )


def _years(born: date) -> int:
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _next_statuses() -> dict[str, list[tuple[str, str]]]:
    from safetynet.match.models import NEXT

    return {str(s): [(n, referrals.STATUS_LABELS[n]) for n in sorted(after)]  # type: ignore[index]
            for s, after in NEXT.items()}


@router.get("/residents/{resident_id}/matches")
def matches_page(request: Request, resident_id: int, db: Db, principal: Viewer,
                 area: Area) -> Response:
    """The need form and the resident's referrals so far."""
    resident_access.current(db, principal, resident_id)
    notice = {"referred": "Referral made.", "status": "Referral updated."}.get(
        request.query_params.get("done", ""))
    cols = area(principal.tenant_id)
    triage = request.query_params.get("triage", "")
    if triage.isdigit():
        form, from_triage = _from_triage(db, principal, resident_id, int(triage), cols)
        return _page(request, db, principal, resident_id, cols, form=form,
                     from_triage=from_triage)
    return _page(request, db, principal, resident_id, cols, notice=notice)


def _from_triage(db: Session, principal: Principal, resident_id: int, outcome_id: int,
                 cols: ProviderColumns) -> tuple[dict[str, Any], dict[str, Any]]:
    """The need form prefilled from one of the resident's completed triages (its view is
    audited by the triage service), and what to say about it."""
    from safetynet.triage import service as triages
    from safetynet.triage.forms import NEEDS

    principal.require("triage.take")
    found, _ = triages.outcome(db, principal, outcome_id, audited=True)
    current = resident_access.current(db, principal, found.resident_id or 0).id
    if current != resident_id or found.status != triages.COMPLETE:
        raise NotFound("There is no finished triage with that id for this resident.")
    mapped = directory_needs(found.needs, cols.categories.codes)
    return {"needs": mapped.terms, "formats": []}, {
        "id": found.id, "completed_at": found.completed_at, "terms": mapped.terms,
        "needs": [NEEDS.get(n, n) for n in found.needs], "unmet": mapped.unmet}


async def _asked(request: Request, db: Session, principal: Principal, resident_id: int,
                 area: Callable[[int], ProviderColumns]) -> tuple[dict[str, Any], ProviderColumns]:
    """What the form asked, and the area's providers, once the resident is known readable."""
    resident_access.current(db, principal, resident_id)
    return await _form(request), area(principal.tenant_id)


@router.post("/residents/{resident_id}/matches")
async def find_matches(request: Request, resident_id: int, db: Db, principal: Viewer,
                       area: Area) -> Response:
    """The resident's ranked matches for the need described, with the reasons for each."""
    form, cols = await _asked(request, db, principal, resident_id, area)
    try:
        need = placed_need(db, principal.tenant_id, form)
    except SeekerRefused as refused:
        return _page(request, db, principal, resident_id, cols, 400, errors=refused.errors,
                     form=form)
    ranking: Ranking = referrals.resident_matches(
        db, principal, resident_id=resident_id, seeker=need.seeker(resident_id), cols=cols,
        ranker=training.current_ranker(db, principal.tenant_id),
    )
    return _page(request, db, principal, resident_id, cols, ranking=ranking, form=form)


@router.post("/residents/{resident_id}/referrals")
async def refer(request: Request, resident_id: int, db: Db, principal: Referrer,
                area: Area) -> Response:
    """Refer the resident to the ticked matches (the ranking is worked out again here)."""
    form, cols = await _asked(request, db, principal, resident_id, area)
    try:
        need = placed_need(db, principal.tenant_id, form)
        ids = [int(v) for v in form["service_id"] if v.isdigit()]
        referrals.refer(db, principal, resident_id=resident_id, seeker=need.seeker(resident_id),
                        service_ids=ids, cols=cols,
                        ranker=training.current_ranker(db, principal.tenant_id))
    except SeekerRefused as refused:
        return _page(request, db, principal, resident_id, cols, 400, errors=refused.errors,
                     form=form)
    except SafetynetError as refused:
        db.rollback()
        errors = [{"text": refused.message, "href": "#results"}]
        return _page(request, db, principal, resident_id, cols, 400, errors=errors, form=form)
    return RedirectResponse(f"/residents/{resident_id}/matches?done=referred", status_code=303)


@router.post("/match/referrals/{referral_id}/status")
async def move_on(request: Request, referral_id: int, db: Db, principal: Referrer) -> Response:
    """Note how a referral went, back on the resident's matches page."""
    data = await request.form()
    status, outcome = str(data.get("status", "")), str(data.get("outcome", "")).strip()
    moved = referrals.set_status(db, principal, referral_id, status, outcome or None)
    return RedirectResponse(f"/residents/{moved.resident_id}/matches?done=status",
                            status_code=303)
