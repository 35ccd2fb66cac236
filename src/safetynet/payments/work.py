"""One unit of work per action: a service function that fails leaves nothing behind."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A savepoint inside the caller's transaction (`session.begin_nested()`), on SQLite too.

    Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE, not before a
    SAVEPOINT: a savepoint that came first would be the outermost transaction, and releasing
    it would commit at once — a refused request would leave its idempotency key behind, a
    ledger write would outlive the unit of work that rolled back. So on SQLite the caller's
    transaction is opened first, and the savepoint nests in it as it does on PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection()
        raw: Any = connection.connection.driver_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    with session.begin_nested():
        yield
