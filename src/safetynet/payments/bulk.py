"""Writing and finding thousands of rows in few round trips, for rounds, approvals and
callbacks that touch a payment round's worth of rows at once.

On PostgreSQL rows go in with `COPY` (no SQL to build or parse per row) and a list of ids or
references is one array parameter (`= ANY(...)`) rather than thousands of placeholders; on
SQLite, which has neither, the same calls are a plain multi-row INSERT and `IN`. Both run in
the caller's transaction, so they commit or roll back with the rest of the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

CHUNK = 5_000  # ids per IN list on SQLite (its limit on bound parameters is 32,766)


def on_postgres(session: Session) -> bool:
    """True when the session's store is PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column` is one of `values`: one array parameter on PostgreSQL, `IN` elsewhere (the
    caller chunks long lists for SQLite with `chunks`)."""
    if on_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def chunks(session: Session, values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """`values` whole on PostgreSQL (one array parameter), in slices of CHUNK elsewhere."""
    step = len(values) if on_postgres(session) else CHUNK
    for start in range(0, len(values), max(step, 1)):
        yield values[start : start + step]


def next_ids(session: Session, model: Any, count: int) -> list[int]:
    """`count` fresh ids from the table's sequence, ascending (PostgreSQL only)."""
    table = model.__table__
    rows = session.execute(
        select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, count)
        )
    ).scalars()
    return sorted(int(i) for i in rows)


def add_rows(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert these rows (each with the same keys) into the model's table."""
    if not rows:
        return
    if not on_postgres(session):
        session.execute(insert(model), list(rows))
        return
    table = model.__table__
    names = list(rows[0])
    dialect = session.get_bind().dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
        f'COPY "{table.name}" ({columns}) FROM STDIN'
    ) as copy:  # fmt: skip
        for row in rows:
            copy.write_row(
                [
                    process(row[name]) if process and row[name] is not None else row[name]
                    for name, process in zip(names, processors, strict=True)
                ]
            )
