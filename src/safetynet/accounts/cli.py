"""Commands for organisations, users and data-sharing agreements."""

from __future__ import annotations

import sys
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

console = Console()
org_app = typer.Typer(no_args_is_help=True, help="Organisations: the council and its partners.")
user_app = typer.Typer(no_args_is_help=True, help="Users who sign in, and their roles.")
agreement_app = typer.Typer(
    no_args_is_help=True, help="Data-sharing agreements: the footing for every import."
)


@org_app.command("create")
def org_create(
    name: str = typer.Option(..., help="The organisation's name."),
    kind: str = typer.Option(..., help="council, charity, housing_association or other."),
    area: str = typer.Option(
        None,
        help="Council area (tenant) it belongs to; needed when there is none yet or more than one.",
    ),
    slug: str = typer.Option(None, help="Short name used in commands (default: from the name)."),
) -> None:
    """Register an organisation."""
    from safetynet.accounts import service
    from safetynet.audit import cli_actor
    from safetynet.db import open_session

    with open_session() as session:
        org = service.create_organisation(
            session, name=name, kind=kind, tenant=area, slug=slug, actor=cli_actor()
        )
        console.print(f"Created organisation [bold]{org.name}[/] (short name: {org.slug}).")


@org_app.command("list")
def org_list() -> None:
    """List organisations."""
    from safetynet.accounts import service
    from safetynet.db import open_session

    table = Table("Short name", "Name", "Kind", "Council area")
    with open_session() as session:
        for org in service.list_organisations(session):
            table.add_row(org.slug, org.name, org.kind, org.tenant.name)
    console.print(table)


def _read_password(generate: bool, from_stdin: bool) -> tuple[str, bool]:
    from safetynet.accounts.passwords import generate_password

    if generate:
        return generate_password(), True
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., help="Sign-in email address."),
    name: str = typer.Option(..., help="Full name."),
    org: str = typer.Option(..., help="Organisation short name."),
    role: str = typer.Option(..., help="admin, analyst, caseworker or partner."),
    generate_password: bool = typer.Option(
        False, "--generate-password", help="Make a random password and show it once."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
) -> None:
    """Create a user. There are no default passwords: the first admin is made this way."""
    from safetynet.accounts import service
    from safetynet.audit import cli_actor
    from safetynet.db import open_session

    password, shown = _read_password(generate_password, password_stdin)
    with open_session() as session:
        user = service.create_user(
            session,
            email=email,
            full_name=name,
            organisation=org,
            role=role,
            password=password,
            actor=cli_actor(),
        )
        console.print(f"Created {user.role} [bold]{user.email}[/] at {user.organisation.name}.")
    if shown:
        console.print(f"Password (shown once, not stored): [bold]{password}[/]")


@user_app.command("reset-password")
def user_reset_password(
    email: str = typer.Option(..., help="Sign-in email address of the user."),
    generate_password: bool = typer.Option(
        False, "--generate-password", help="Make a random password and show it once."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from standard input."
    ),
) -> None:
    """Set a user's password (e.g. the only admin's, forgotten): they are signed out everywhere
    and their API tokens are revoked."""
    from safetynet.accounts import service
    from safetynet.audit import cli_actor
    from safetynet.db import open_session

    password, shown = _read_password(generate_password, password_stdin)
    with open_session() as session:
        user = service.set_password(session, email=email, password=password, actor=cli_actor())
        console.print(
            f"New password set for [bold]{user.email}[/]; they were signed out everywhere and "
            "their API tokens revoked."
        )
    if shown:
        console.print(f"Password (shown once, not stored): [bold]{password}[/]")


@user_app.command("list")
def user_list() -> None:
    """List users and their roles."""
    from safetynet.accounts import service
    from safetynet.db import open_session

    table = Table("Email", "Name", "Organisation", "Role", "Active")
    with open_session() as session:
        for user in service.list_users(session):
            table.add_row(
                user.email,
                user.full_name,
                user.organisation.slug,
                user.role,
                "yes" if user.is_active else "no",
            )
    console.print(table)


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@agreement_app.command("create")
def agreement_create(
    reference: str = typer.Option(..., help="Your reference for it, e.g. DSA-2026-004."),
    title: str = typer.Option(..., help="A short title."),
    purpose: str = typer.Option(..., help="Why the data is shared."),
    lawful_basis: str = typer.Option(
        "public_task",
        help="Article 6 basis: public_task, consent, legal_obligation, legitimate_interests, ...",
    ),
    supplier: list[str] = typer.Option(..., help="Organisation that supplies data (repeatable)."),
    recipient: list[str] = typer.Option([], help="Organisation that receives it (repeatable)."),
    fields: list[str] = typer.Option(
        ...,
        help="Fields allowed, comma separated or repeated "
        "(row_id, forename, surname, dob, postcode, ..., extras).",
    ),
    see_back: list[str] = typer.Option(
        [],
        help="What the supplier may see back: own_records, "
        "linked_programmes, gap_flags, entitlement_estimates, "
        "contact_status.",
    ),
    retention_days: int = typer.Option(..., help="How long records are kept, in days."),
    start: str = typer.Option(None, help="Start date YYYY-MM-DD (default today)."),
    end: str = typer.Option(None, help="End date YYYY-MM-DD (default open-ended)."),
    special_category: bool = typer.Option(False, help="Shares Article 9 special-category data."),
    art9_condition: str = typer.Option(None, help="Article 9 condition, when special category."),
) -> None:
    """Record a data-sharing agreement."""
    from safetynet.accounts import service
    from safetynet.audit import cli_actor
    from safetynet.db import open_session

    terms = service.AgreementTerms(
        reference=reference,
        title=title,
        purpose=purpose,
        lawful_basis=lawful_basis,
        suppliers=_split(supplier),
        recipients=_split(recipient),
        fields_allowed=_split(fields),
        see_back=tuple(_split(see_back)),
        retention_days=retention_days,
        start_date=_date(start) or date.today(),
        end_date=_date(end),
        special_category=special_category,
        art9_condition=art9_condition,
    )
    with open_session() as session:
        agreement = service.create_agreement(session, terms, actor=cli_actor())
        console.print(f"Recorded agreement [bold]{agreement.reference}[/]: {agreement.title}.")


def _date(text: str | None) -> date | None:
    from safetynet.errors import InvalidInput

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"'{text}' is not a date in the form YYYY-MM-DD.") from exc


@agreement_app.command("list")
def agreement_list() -> None:
    """List data-sharing agreements and whether each is in force."""
    from safetynet.accounts import service
    from safetynet.db import open_session

    table = Table("Reference", "Title", "Suppliers", "Basis", "Fields", "Retention", "Status")
    today = date.today()
    with open_session() as session:
        for a in service.list_agreements(session):
            suppliers = ", ".join(p.organisation.slug for p in a.parties if p.role == "supplier")
            status = (
                "in force" if a.is_active_on(today) else ("ended" if a.ended_at else "not in force")
            )
            table.add_row(
                a.reference,
                a.title,
                suppliers,
                a.lawful_basis,
                ", ".join(a.fields_allowed),
                f"{a.retention_days} days",
                status,
            )
    console.print(table)


@agreement_app.command("end")
def agreement_end(
    reference: str = typer.Argument(..., help="The agreement's reference."),
    reason: str = typer.Option(..., help="Why it ends (kept in the audit log)."),
) -> None:
    """End an agreement now: nothing more can be imported under it."""
    from safetynet.accounts import service
    from safetynet.audit import cli_actor
    from safetynet.db import open_session

    with open_session() as session:
        agreement = service.end_agreement(session, reference, reason=reason, actor=cli_actor())
        console.print(f"Agreement [bold]{agreement.reference}[/] has ended.")
