"""One unit of work per action: a service function that fails leaves nothing behind."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

F = TypeVar("F", bound=Callable[..., Any])


def unit_of_work(function: F) -> F:
    """Roll the session (the first argument) back when `function` raises, so a refused
    approval or a failed round leaves no half-made change for the next commit to carry."""

    @functools.wraps(function)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise

    return wrapper  # type: ignore[return-value]
