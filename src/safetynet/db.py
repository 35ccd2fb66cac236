"""The store: engine, sessions, the declarative Base and its naming conventions."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from safetynet.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON everywhere, JSONB on PostgreSQL (indexable, compact).
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware: every stored time is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; SQLite hands back naive values, so mark them as UTC.

    A TypeDecorator (not a DateTime subclass): SQLite's dialect swaps a plain DateTime
    subclass for its own type, which would drop the conversion.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of every model; constraint names follow NAMING_CONVENTION so migrations agree."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA cache_size=-131072")  # 128 MB of page cache for bulk imports
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # An import's writer thread uses the connection its transaction started on.
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # 20 connections: the web app serves at most that many requests at once per process.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured store."""
    return make_engine(get_settings().resolved_database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions bound to `engine` (default: the configured store)."""
    engine = engine or get_engine()
    found = _factories.get(engine)
    if found is None:
        found = _factories[engine] = sessionmaker(bind=engine, expire_on_commit=False)
    return found


_factories: weakref.WeakKeyDictionary[Engine, sessionmaker[Session]] = weakref.WeakKeyDictionary()


@contextmanager
def open_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one command or request; the service functions own the transactions."""
    session = session_factory(engine)()
    try:
        yield session
    finally:
        session.close()


SQLITE_ANALYSIS_ROWS = 1_000  # rows of each index SQLite samples: approximate, and quick


def refresh_statistics(session: Session, *tables: str) -> None:
    """After a bulk write: ANALYZE the tables written, so the planner knows their new size at
    once. On PostgreSQL, until autovacuum gets to it (or never, where it is off) the planner
    guesses, and a resident page's join over freshly linked records took 300 ms instead of 1.
    SQLite, which keeps no statistics unless asked, guessed that an area's residents were a
    handful and read all of them for a postcode district search rather than the postcode
    index (0.9 s against 0.3 s on 110,000 records; a sector 0.6 s against 0.04 s); sampled
    statistics (`analysis_limit`) cost it a few hundredths of a second."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_ROWS}"))
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
    session.commit()
