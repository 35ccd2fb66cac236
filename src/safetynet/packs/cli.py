"""`safetynet pack`: export the council's configuration as a pack, see what another council's
pack would change, and apply it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from safetynet.packs.service import PackDiff

console = Console()
pack_app = typer.Typer(no_args_is_help=True, help="Configuration packs shared between councils.")
AREA = typer.Option(None, "--area", help="Council area (needed when there are several).")
FILE = typer.Argument(..., help="The pack file (.json).", exists=True, dir_okay=False)


def _read(path: Path) -> bytes:
    from safetynet.errors import InvalidInput
    from safetynet.packs.schemas import MAX_PACK_BYTES

    if path.stat().st_size > MAX_PACK_BYTES:
        raise InvalidInput(f"{path.name} is bigger than {MAX_PACK_BYTES:,} bytes: not a pack.")
    return path.read_bytes()


@pack_app.command("export")
def pack_export(
    out: Path = typer.Option(..., "--out", help="Where to write the pack (.json).", dir_okay=False),
    area: str = AREA,
) -> None:
    """Write the area's gap rules, CTR schemes and plan risks to one pack file."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.packs import service
    from safetynet.places.service import council_area

    with open_session() as session:
        tenant = council_area(session, area)
        data = service.export_pack(session, tenant.id, actor=cli_actor())
    out.write_bytes(data)
    console.print(f"[green]Pack written[/] to {out} ({len(data):,} bytes).", highlight=False)


def show_diff(found: PackDiff) -> None:
    """The diff as rich tables: counts per section, then every added or changed item."""
    m = found.manifest
    console.print(
        f"Pack from [bold]{m.source_council}[/], made {m.created_at:%-d %B %Y %H:%M} UTC by "
        f"Safety Net {m.app_version}; sha256 {found.sha256[:12]}…",
        highlight=False,
    )
    table = Table("Section", "Added", "Changed", "Unchanged", "Kept (not in pack)")
    for s in found.sections:
        counts = [s.count("added"), s.count("changed"), s.count("unchanged"), s.kept]
        table.add_row(s.title, *map(str, counts))
    console.print(table)
    for s in found.sections:
        for item in s.items:
            if item.status == "added":
                console.print(f"[green]+ {s.title}: {item.key}[/] (new)", highlight=False)
            for change in item.changes:
                console.print(
                    f"[yellow]~ {s.title}: {item.key}[/] {change.field}: "
                    f"{change.before!r} → {change.after!r}",
                    highlight=False,
                )


@pack_app.command("diff")
def pack_diff(path: Path = FILE, area: str = AREA) -> None:
    """Check a pack and show what applying it would add and change, field by field."""
    from safetynet.db import open_session
    from safetynet.packs import service
    from safetynet.places.service import council_area

    data = _read(path)
    with open_session() as session:
        tenant = council_area(session, area)
        show_diff(service.diff_pack(session, tenant.id, service.read_pack(data, path.name)))


@pack_app.command("apply")
def pack_apply(
    path: Path = FILE,
    area: str = AREA,
    yes: bool = typer.Option(False, "--yes", help="Apply without asking (after the diff)."),
) -> None:
    """Show a pack's differences, then apply its added and changed items all or nothing."""
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.packs import service
    from safetynet.places.service import council_area

    data = _read(path)
    with open_session() as session:
        tenant = council_area(session, area)
        found = service.diff_pack(session, tenant.id, service.read_pack(data, path.name))
        show_diff(found)
        if not found.changes:
            console.print("Nothing to apply: everything in the pack is in force here.")
            return
        if not yes and not typer.confirm(f"Apply {found.changes} change(s)?"):
            raise typer.Exit(1)
        service.apply_pack(
            session, tenant.id, data, actor=cli_actor(), expect_state=found.state, name=path.name
        )
    console.print(f"[green]Applied[/] {found.changes} change(s) from {path.name}.")


def _change_text(item: Any) -> str:
    if item.status == "added":
        return "new here (the deployment has none)"
    if item.status == "unchanged":
        return "same as the deployment's"
    return "; ".join(f"{c.field}: {c.before!r} → {c.after!r}" for c in item.changes)


@pack_app.command("config")
def pack_config(area: str = AREA) -> None:
    """The area's own configuration items (from packs applied here), each against the
    deployment's default, and the packs they came from."""
    from safetynet.areaconfig import review
    from safetynet.db import open_session
    from safetynet.places.service import council_area

    with open_session() as session:
        tenant = council_area(session, area)
        items = review.overview(session, tenant.id)
    if not items:
        console.print(
            f"{tenant.name} holds no configuration of its own: the deployment's is in force."
        )
        return
    table = Table("Kind", "Key", "Version", "When (UTC)", "By", "Pack", "Differs from the default")
    for column in table.columns:
        column.overflow = "fold"
    for item in items:
        table.add_row(
            item.label, item.key, str(item.version), f"{item.updated_at:%Y-%m-%d %H:%M}",
            item.updated_by, f"{item.source} {(item.pack or '')[:12]}".strip(), _change_text(item),
        )  # fmt: skip
    console.print(table)
    for applied in review.by_pack(items):
        console.print(
            f"Pack {applied.sha256[:12]} from {applied.source}: {len(applied.items)} item(s) "
            f"in force (revert with `safetynet pack revert --pack {applied.sha256[:12]}`).",
            highlight=False,
        )


@pack_app.command("revert")
def pack_revert(
    item: str = typer.Argument(None, help="One item as KIND/KEY, e.g. gap_rule/foodbank-no-ctr."),
    pack: str = typer.Option(None, "--pack", help="Every item this pack wrote (its sha256)."),
    area: str = AREA,
    yes: bool = typer.Option(False, "--yes", help="Revert without asking."),
) -> None:
    """Take one item, or everything one pack applied, back to the deployment's default
    (one transaction, audited as config.revert with the item before and after)."""
    from safetynet.areaconfig import review
    from safetynet.audit import cli_actor
    from safetynet.db import open_session
    from safetynet.errors import InvalidInput
    from safetynet.places.service import council_area

    kind, _, key = (item or "").partition("/")
    if item and not key:
        raise InvalidInput(f"'{item}': give the item as KIND/KEY, e.g. gap_rule/foodbank-no-ctr.")
    what = f"every item of pack {pack}" if pack else f"{item}"
    with open_session() as session:
        tenant = council_area(session, area)
        if not yes and not typer.confirm(f"Revert {what} in {tenant.name}?"):
            raise typer.Exit(1)
        done = review.revert(
            session, tenant.id, actor=cli_actor(), kind=kind or None, key=key or None, pack=pack
        )
    for reverted in done:
        console.print(
            f"[green]Reverted[/] {reverted.label} {reverted.key} (was version {reverted.version}, "
            f"from {reverted.source}).",
            highlight=False,
        )
