"""Test fixtures: a clean, migrated store per test, on the store SAFETYNET_DATABASE_URL names.

SQLite (the default): the schema is migrated once into a template file, copied for each test.
PostgreSQL: the schema is rebuilt once per session through the real migrations, and every
table is truncated before each test. Tests marked `nostore` touch no store and are skipped in
the PostgreSQL pass (they already ran in the SQLite one).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

os.environ.setdefault("SAFETYNET_ENVIRONMENT", "test")
os.environ["COLUMNS"] = "200"  # rich wraps less, so messages can be matched whole
STORE_URL = os.environ.get("SAFETYNET_DATABASE_URL", "")
ON_POSTGRES = STORE_URL.startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out tests that touch no store."""
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="touches no store: runs in the SQLite pass")
    for item in items:
        if "nostore" in item.keywords:
            item.add_marker(skip)


def _reset_caches() -> None:
    from safetynet.config import get_settings
    from safetynet.db import get_engine
    from safetynet.jobs import _queue_and_task

    _queue_and_task.cache_clear()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated empty store: a SQLite template file, or the PostgreSQL database rebuilt."""
    from safetynet import migrations
    from safetynet.db import make_engine

    if ON_POSTGRES:
        engine = create_engine(STORE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        engine = make_engine(STORE_URL)
        migrations.upgrade(engine)
        engine.dispose()
        return STORE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return str(path)


def _truncate_all(url: str) -> None:
    from safetynet.migrations import model_metadata

    tables = ", ".join(f'"{t.name}"' for t in model_metadata().sorted_tables)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def store(template_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean migrated store for this test; the CLI and services are pointed at it."""
    if ON_POSTGRES:
        _truncate_all(template_store)
        url = template_store
    else:
        path = tmp_path / "store.db"
        shutil.copy(template_store, path)
        url = f"sqlite:///{path}"
    monkeypatch.setenv("SAFETYNET_DATABASE_URL", url)
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path / "data"))
    _reset_caches()
    yield url
    _reset_caches()


@pytest.fixture
def db(store: str) -> Iterator[Session]:
    """A session on this test's clean store."""
    from safetynet.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        yield session
