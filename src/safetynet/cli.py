"""The `safetynet` command: one root that mounts each domain's commands.

Only typer and rich are imported here; each command imports its service when it runs, so
`safetynet --help` stays fast and never loads Splink, DuckDB, PySpark or PolicyEngine.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from safetynet.accounts.cli import agreement_app, org_app, user_app
from safetynet.dashboard.cli import dashboard_app
from safetynet.demo.cli import demo_app
from safetynet.directory.cli import directory_app
from safetynet.entitlements.cli import entitlements_app
from safetynet.errors import SafetynetError
from safetynet.frontdesk.cli import front_desk_app
from safetynet.gaps.cli import gaps_app
from safetynet.link.cli import link_app
from safetynet.link.search_cli import residents_app
from safetynet.match.cli import match_app
from safetynet.packs.cli import pack_app
from safetynet.payments.cli import payments_app
from safetynet.places.cli import places_app
from safetynet.plans.cli import plans_app
from safetynet.privacy.cli import privacy_app
from safetynet.sources.cli import import_app
from safetynet.triage.cli import triage_app

console = Console()
err_console = Console(stderr=True)


def show_error(error: SafetynetError) -> None:
    """A user-facing error: red, no traceback."""
    err_console.print(f"[bold red]Error:[/] {error.message}", highlight=False, soft_wrap=True)
    for detail in error.details:
        err_console.print(f"  {detail}", highlight=False, soft_wrap=True)


class SafetynetGroup(TyperGroup):
    """Turns a SafetynetError raised anywhere below into a clear message and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            if needs_store([*getattr(ctx, "_protected_args", []), *ctx.args]):
                ensure_store()
            return super().invoke(ctx)
        except SafetynetError as error:
            show_error(error)
            raise typer.Exit(code=2) from None


WORKER_HEALTHCHECK_SECONDS = 120  # see `serve`

app = typer.Typer(
    cls=SafetynetGroup,
    no_args_is_help=True,
    add_completion=False,
    help="Safety Net: find the residents missing out on support, and reach them.",
)
db_app = typer.Typer(no_args_is_help=True, help="The store: create or upgrade its schema.")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(agreement_app, name="agreement")
app.add_typer(import_app, name="import")
app.add_typer(link_app, name="link")
app.add_typer(residents_app, name="residents")
app.add_typer(places_app, name="places")
app.add_typer(plans_app, name="plans")
app.add_typer(pack_app, name="pack")
app.add_typer(dashboard_app, name="dashboard")
app.add_typer(payments_app, name="payments")
app.add_typer(gaps_app, name="gaps")
app.add_typer(privacy_app, name="privacy")
app.add_typer(demo_app, name="demo")
app.add_typer(entitlements_app, name="entitlements")
app.add_typer(front_desk_app, name="front-desk")
app.add_typer(match_app, name="match")
app.add_typer(directory_app, name="directory")
app.add_typer(triage_app, name="triage")


# Commands that look after the store themselves; commands that are one word, not a group.
STORE_FREE_COMMANDS = {"db", "serve"}
SINGLE_WORD_COMMANDS = {"worker"}


def needs_store(args: list[str]) -> bool:
    """Whether the command line `args` (after `safetynet`) runs a command that uses the store:
    not help, not a command group shown without a command, not `db` or `serve`."""
    if not args or "--help" in args or args[0] in STORE_FREE_COMMANDS:
        return False
    return len(args) > 1 or args[0] in SINGLE_WORD_COMMANDS


def ensure_store() -> None:
    """Create or upgrade the configured store to this version's schema, saying so."""
    from sqlalchemy.exc import SQLAlchemyError

    from safetynet import migrations
    from safetynet.db import get_engine

    engine = get_engine()
    url = engine.url.render_as_string(hide_password=True)
    try:
        current, head = migrations.current_revision(engine), migrations.head_revision()
        if current == head:
            return
        migrations.upgrade(engine)
    except SQLAlchemyError as exc:
        raise SafetynetError(
            f"Cannot open the store at {url} ({type(exc).__name__}). Check "
            "SAFETYNET_DATABASE_URL (or SAFETYNET_DATA_DIR), then run `safetynet db upgrade`."
        ) from exc
    done = "Created a new store" if current is None else f"Upgraded the store from {current}"
    err_console.print(f"{done} at {url} (schema {head}).", highlight=False, soft_wrap=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Revision to upgrade to.")) -> None:
    """Create the store's tables, or bring them up to date with this version of Safety Net."""
    from safetynet import migrations
    from safetynet.db import get_engine

    engine = get_engine()
    before = migrations.current_revision(engine)
    migrations.upgrade(engine, revision)
    after = migrations.current_revision(engine)
    url = engine.url.render_as_string(hide_password=True)
    console.print(f"Store {url}: {before or 'empty'} -> [bold]{after}[/]")


@db_app.command("current")
def db_current() -> None:
    """Show which schema revision the store is at, and the newest this version ships."""
    from safetynet import migrations
    from safetynet.db import get_engine

    current = migrations.current_revision(get_engine())
    head = migrations.head_revision()
    state = "up to date" if current == head else "needs `safetynet db upgrade`"
    console.print(f"Store at {current or 'empty'}; newest {head} ({state}).")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(True, help="Also start a background worker for jobs."),
    workers: int = typer.Option(
        1, min=1, help="Web server processes (one per core suits a busy site)."
    ),
    access_log: bool = typer.Option(
        False,
        help="Log every request's method, path and status. Off by default: paths and query "
        "strings name residents and searches, and the audit log already records who saw what.",
    ),
) -> None:
    """Serve the web app and REST API, with a background worker for link runs and other jobs."""
    import subprocess
    import sys

    import uvicorn

    from safetynet import migrations
    from safetynet.db import get_engine

    migrations.upgrade(get_engine())
    from safetynet.config import get_settings

    proxies = get_settings().trusted_proxies.strip()
    process = (
        subprocess.Popen([sys.executable, "-m", "safetynet", "worker"], preexec_fn=_die_with_parent)
        if worker
        else None
    )
    console.print(f"Safety Net on [bold]http://{host}:{port}[/] (Ctrl+C to stop)")
    try:
        uvicorn.run(
            "safetynet.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies or None,
            log_level="info",
            workers=workers,
            access_log=access_log,
            # uvicorn kills a worker that misses a 5 s health ping; one evaluating the gap rules
            # over 100,000 residents on a busy machine can, and a restarted worker starts cold.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


def _die_with_parent() -> None:
    """In the worker process (Linux): get SIGTERM when `serve` dies, however it dies, so a
    killed server never leaves a worker running on its own."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: `serve` still stops its worker when it exits normally


@app.command("worker")
def worker_command() -> None:
    """Run only the background worker (`serve` starts one for you)."""
    import logging

    from safetynet.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker()


def main() -> None:
    """Console-script entry point."""
    app()
