"""Numbered Alembic migrations, and the functions that run them from the CLI and tests."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine, MetaData

HERE = Path(__file__).parent


def model_metadata() -> MetaData:
    """The metadata of every model in the product (imports each domain's models)."""
    import safetynet.accounts.models  # noqa: F401
    import safetynet.areaconfig.models  # noqa: F401
    import safetynet.audit  # noqa: F401
    import safetynet.dashboard.models  # noqa: F401
    import safetynet.directory.models  # noqa: F401
    import safetynet.entitlements.models  # noqa: F401
    import safetynet.frontdesk.models  # noqa: F401
    import safetynet.gaps.models  # noqa: F401
    import safetynet.jobs  # noqa: F401
    import safetynet.link.models  # noqa: F401
    import safetynet.match.models  # noqa: F401
    import safetynet.payments.models  # noqa: F401
    import safetynet.places.models  # noqa: F401
    import safetynet.plans.models  # noqa: F401
    import safetynet.sources.models  # noqa: F401
    import safetynet.triage.models  # noqa: F401
    from safetynet.db import Base

    return Base.metadata


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at this package's migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("path_separator", "os")
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("version_locations", str(HERE / "versions"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store's schema up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store's schema back to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, or None for an empty store."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this version of the product."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
