"""The resident search page: a caseworker finds someone by name, date of birth, postcode or
a partner's reference, and opens their resident page.

The search is sent by POST (with the form token), not in the address: names and dates of
birth must not end up in browser history, proxies' or the server's access logs. Moving
between pages of results sends the same search again with another page number."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from safetynet.accounts.permissions import Principal
from safetynet.errors import InvalidInput
from safetynet.link import search
from safetynet.paging import PageRequest
from safetynet.web.deps import Db, require
from safetynet.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(require("residents.view"))]
ORDER = ("name", "dob", "postcode", "reference")
PAGE_SIZE = 20


@router.get("/residents")
def search_form(request: Request, principal: Viewer) -> Response:
    """The empty search form."""
    return render(request, "residents/search.html", title="Find a resident", results=None)


@router.post("/residents")
def search_results(
    request: Request,
    db: Db,
    principal: Viewer,
    name: Annotated[str, Form()] = "",
    day: Annotated[str, Form(alias="dob-day")] = "",
    month: Annotated[str, Form(alias="dob-month")] = "",
    year: Annotated[str, Form(alias="dob-year")] = "",
    postcode: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    page: Annotated[str, Form()] = "",
) -> Response:
    """One page of the residents matching the search (audited)."""
    form = {
        "name": name,
        "dob-day": day,
        "dob-month": month,
        "dob-year": year,
        "postcode": postcode,
        "reference": reference,
    }
    born, dob_error = search.date_of_birth(day, month, year)
    query, problems = search.criteria(name=name, dob=born, postcode=postcode, reference=reference)
    if dob_error:
        problems = {"dob": dob_error} | {k: v for k, v in problems.items() if k != "name" or name}
    try:
        wanted = PageRequest.parse(page, PAGE_SIZE)
    except InvalidInput:
        wanted = PageRequest(1, PAGE_SIZE)
    if problems:
        return _refused(request, form, problems)
    found = search.search(db, principal, query, wanted)
    return render(
        request, "residents/search.html", title="Find a resident", results=found, form=form
    )


def _refused(request: Request, form: dict, problems: dict[str, str]) -> Response:
    """The form again with each field's problem, in the order of the fields."""
    anchors = {"dob": "#dob-day"}
    errors = [
        {"text": problems[f], "href": anchors.get(f, f"#{f}"), "field": f}
        for f in ORDER
        if f in problems
    ]
    return render(
        request,
        "residents/search.html",
        status_code=400,
        title="Find a resident",
        results=None,
        form=form,
        errors=errors,
    )
