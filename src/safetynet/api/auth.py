"""Bearer-token authentication for the API; the same permission table as the pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from safetynet.accounts.permissions import Principal, grant_of
from safetynet.accounts.sessions import user_for_api_token
from safetynet.errors import SafetynetError
from safetynet.web.deps import Db

bearer = HTTPBearer(auto_error=False, description="A personal API token from /account.")


class TokenNeeded(SafetynetError):
    """No valid bearer token."""

    status = 401
    title = "Unauthorised"


def api_require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the token's user, whose role must hold `permission`."""
    grant_of(permission)

    async def dependency(
        request: Request,
        db: Db,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        user = user_for_api_token(db, credentials.credentials) if credentials else None
        if user is None:
            raise TokenNeeded(
                "Send a valid personal API token as `Authorization: Bearer TOKEN` "
                "(create one on your account page)."
            )
        principal = Principal.of(user)
        principal.require(permission)
        request.state.principal = principal
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
