"""The area's own configuration page (what packs changed here, each item against the
deployment's default, with revert) and its API twins. A council's admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from safetynet.accounts.permissions import Principal
from safetynet.api.auth import api_require
from safetynet.areaconfig import review
from safetynet.errors import InvalidInput, NotFound
from safetynet.web.deps import Db, require
from safetynet.web.templating import error_list, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["v1"])
Admin = Annotated[Principal, Depends(require("areaconfig.manage"))]
As_admin = Annotated[Principal, Depends(api_require("areaconfig.manage"))]


def _page(
    request: Request, db: Db, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    items = review.overview(db, principal.tenant_id)
    page = render(
        request,
        "areaconfig/config.html",
        title="This area's own configuration",
        items=items,
        packs=review.by_pack(items),
        labels=review.LABELS,
        **extra,
    )
    page.status_code = status
    return page


@router.get("/configuration")
def config_page(
    request: Request, db: Db, principal: Admin, reverted: int | None = None
) -> Response:
    """The items this area holds itself, each against the deployment's default."""
    return _page(request, db, principal, reverted=reverted)


@router.post("/configuration/revert")
def revert_page(
    request: Request,
    db: Db,
    principal: Admin,
    kind: Annotated[str, Form(max_length=20)] = "",
    key: Annotated[str, Form(max_length=100)] = "",
    pack: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Revert one item, or every item one pack wrote, to the deployment's default."""
    try:
        done = review.revert(
            db, principal.tenant_id, actor=principal.actor, kind=kind or None, key=key or None,
            pack=pack or None,
        )  # fmt: skip
    except (InvalidInput, NotFound) as problem:
        status = 404 if isinstance(problem, NotFound) else 400
        return _page(request, db, principal, status, errors=error_list(problem, "#items"))
    return RedirectResponse(f"/configuration?reverted={len(done)}", status_code=303)


# -- API --------------------------------------------------------------------------------------


def item_out(item: review.Item) -> dict[str, Any]:
    """One item as the API gives it."""
    return {
        "kind": item.kind,
        "key": item.key,
        "version": item.version,
        "updated_at": item.updated_at,
        "updated_by": item.updated_by,
        "source": item.source,
        "pack_sha256": item.pack,
        "status": item.status,
        "changes": [{"field": c.field, "default": c.before, "here": c.after} for c in item.changes],
    }


class RevertIn(BaseModel):
    """One item (kind and key) or a pack (its sha256, or at least its first 8 characters)."""

    kind: str | None = Field(None, max_length=20)
    key: str | None = Field(None, max_length=100)
    pack: str | None = Field(None, max_length=64)


@api_router.get("/configuration")
def api_config(db: Db, principal: As_admin) -> dict[str, Any]:
    """The caller's area's own configuration items, each against the deployment's default."""
    return {"items": [item_out(i) for i in review.overview(db, principal.tenant_id)]}


@api_router.post("/configuration/revert")
def api_revert(db: Db, principal: As_admin, body: RevertIn) -> dict[str, Any]:
    """Revert one item, or every item one pack wrote (audited, all or nothing)."""
    done = review.revert(
        db, principal.tenant_id, actor=principal.actor, kind=body.kind, key=body.key,
        pack=body.pack,
    )  # fmt: skip
    return {"reverted": [item_out(i) for i in done]}
