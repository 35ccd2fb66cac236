"""`safetynet triage`: run a triage form at the terminal (asking question by question, or from
an answers file), keep it for a resident as a named user (`--as EMAIL`), upload and list
forms, and read the isolation-risk list and the needs by ward."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt
from rich.table import Table

from safetynet.errors import InvalidInput

console = Console()
triage_app = typer.Typer(no_args_is_help=True, help="Digital inclusion triage.")
AS = typer.Option(..., "--as", help="Email of the user acting (their role and organisation apply).")
FORM_HELP = (
    "An XLSForm file (.xlsx, .md, .csv), 'default' (the shipped form), or with --resident "
    "'current' (the area's form)."
)
OPTIONAL_AS = typer.Option(None, "--as", help="Email of the user acting (needed with --resident).")


def _load(form: str) -> Any:
    """A form from a file, or 'default' for the one shipped with Safety Net."""
    from safetynet.triage.forms import default_form, read_form

    if form == "default":
        return read_form(*default_form())
    path = Path(form)
    if not path.is_file():
        raise InvalidInput(f"{form}: there is no such file (or say 'default').")
    return read_form(path.read_bytes(), path.name)


def _choice_text(q: Any) -> str:
    return "\n".join(
        escape(f"  {n}. {c.label} [{c.name}]") for n, c in enumerate(q.choices, start=1)
    )


def _typed(q: Any, text: str) -> Any:
    """What was typed, with choice numbers turned into choice names."""
    if q.type not in ("select_one", "select_multiple"):
        return text
    picked = [p.strip() for p in text.split(",") if p.strip()]
    names = [q.choices[int(p) - 1].name if p.isdigit() and 0 < int(p) <= len(q.choices) else p
             for p in picked]  # fmt: skip
    return names if q.type == "select_multiple" else (names[0] if names else "")


def ask(form: Any) -> dict[str, Any]:
    """Ask the form's questions in turn (skipping those not relevant), re-asking any answer
    the question does not accept; returns the answers."""
    from safetynet.triage import questionnaire as qn

    answers: dict[str, Any] = {}
    q = qn.next_question(form, answers)
    while q is not None:
        console.print(f"\n[bold]{q.label}[/]", highlight=False)
        if q.hint:
            console.print(f"[dim]{q.hint}[/]", highlight=False)
        if q.asks:
            if q.choices:
                console.print(_choice_text(q), highlight=False)
            value = _ask_one(q, answers)
            if not qn.empty(value):
                answers[q.name] = value
        answers = qn.clean(form, answers)
        q = qn.next_question(form, answers, after=q.name)
    return answers


def _ask_one(q: Any, answers: dict[str, Any]) -> Any:
    from safetynet.triage import questionnaire as qn

    while True:
        text = Prompt.ask("Answer", default="", show_default=False, console=console)
        try:
            value = qn.coerce(q, _typed(q, text))
        except qn.AnswerProblem as problem:
            console.print(f"[red]{problem}[/]", highlight=False)
            continue
        why = qn.check(q, answers, value)
        if why is None:
            return value
        console.print(f"[red]{why}[/]", highlight=False)


def _show_result(form: Any, answers: dict[str, Any], needs: list[str], scores: dict) -> None:
    from safetynet.triage.forms import NEEDS

    table = Table(title=f"{form.title}: needs (a need counts from {form.threshold:g})")
    table.add_column("Need")
    table.add_column("Score", justify="right")
    table.add_column("Need?")
    for key, label in NEEDS.items():
        table.add_row(label, f"{scores.get(key, 0):g}", "yes" if key in needs else "")
    console.print(table)
    found = ", ".join(NEEDS[n] for n in needs) or "none"
    console.print(f"Needs found: {found}", highlight=False)


@triage_app.command("run")
def run_command(
    form: str = typer.Argument(
        ...,
        help="An XLSForm file (.xlsx, .md, .csv), 'default' (the shipped form), or with --resident "
        "'current' (the area's form).",
    ),
    answers_file: Path | None = typer.Option(
        None, "--answers", help="A JSON file of answers (question name -> answer): no prompts."
    ),
    resident: int | None = typer.Option(
        None, help="Keep the triage for this resident (with --as; the area's current form)."
    ),
    as_: str | None = OPTIONAL_AS,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run a triage form: asked question by question, or from --answers; prints the needs."""
    from safetynet.triage import questionnaire as qn
    from safetynet.triage import service

    if resident is not None:
        if form not in ("current", "default"):
            raise InvalidInput(
                "A triage kept for a resident uses the area's current form: upload this one "
                "first (safetynet triage upload), then run 'current'."
            )
        _keep(resident, as_, answers_file, as_json)
        return
    found = _load(form)
    given = _answers(answers_file) if answers_file else ask(found)
    kept = service.check_answers(found, given)
    result = qn.score(found, kept)
    if as_json:
        console.print_json(json.dumps({"needs": result.needs, "scores": result.scores}))
    else:
        _show_result(found, kept, result.needs, result.scores)


def _answers(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path.name}: not a JSON file of answers ({exc}).") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name}: expected an object of question name -> answer.")
    return data


def _keep(resident: int, as_: str | None, answers_file: Path | None, as_json: bool) -> None:
    """Take the area's current form for a resident and keep the result."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.triage import service

    if not as_:
        raise InvalidInput("--resident needs --as EMAIL: the triage is kept as that user.")
    with open_session() as session:
        principal = acting_as(session, as_)
        principal.require("triage.take")
        row = service.ensure_default_form(session, principal.tenant_id, principal.actor)
        form = service.form_of(row)
        given = _answers(answers_file) if answers_file else ask(form)
        if not answers_file and not Confirm.ask("Save this triage?", console=console):
            raise typer.Exit(1)
        done = service.take(session, principal, resident, given, channel="cli")
        if as_json:
            console.print_json(json.dumps({"id": done.id, "needs": done.needs,
                                           "scores": done.scores}))  # fmt: skip
        else:
            _show_result(form, done.answers, done.needs, done.scores)
            console.print(f"Saved as triage {done.id} for resident {resident}.")


@triage_app.command("upload")
def upload_command(
    path: Path = typer.Argument(..., help="The XLSForm (.xlsx, .md or .csv)."), as_: str = AS
) -> None:
    """Check an XLSForm and keep it as the next version of its form."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.triage import service

    if not path.is_file():
        raise InvalidInput(f"{path}: there is no such file.")
    with open_session() as session:
        row = service.upload_form(session, acting_as(session, as_), path.read_bytes(), path.name)
        console.print(f"Stored {row.title} ({row.form_id}) as version {row.version}.")


@triage_app.command("forms")
def forms_command(as_: str = AS) -> None:
    """The area's triage forms, every version."""
    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.triage import service

    with open_session() as session:
        found = service.forms(session, acting_as(session, as_))
        table = Table(title="Triage forms")
        for heading in ("Id", "Form", "Version", "In use", "Triages saved"):
            table.add_column(heading)
        for f in found:
            title = f"{f.form.title} ({f.form.form_id})"
            used = "yes" if f.current else ""
            table.add_row(str(f.form.id), title, str(f.form.version), used, str(f.completed))
    console.print(table)


@triage_app.command("isolation")
def isolation_command(
    as_: str = AS,
    as_of: str | None = typer.Option(None, help="The day (YYYY-MM-DD; today if left out)."),
    csv: Path | None = typer.Option(None, help="Write the whole list to this CSV file."),
    reason: str = typer.Option("", help="Why the list is exported (kept in the audit log)."),
    page: int = typer.Option(1, help="Which page to show."),
) -> None:
    """Residents at risk of isolation: older and alone by the linked data, or by triage."""
    import shutil

    from safetynet.accounts.access import acting_as
    from safetynet.db import open_session
    from safetynet.paging import PageRequest
    from safetynet.triage import isolation

    day = _day(as_of)
    with open_session() as session:
        principal = acting_as(session, as_)
        if csv is not None:
            made, count = isolation.export_isolation(session, principal, day, reason)
            shutil.move(made, csv)
            shutil.rmtree(made.parent, ignore_errors=True)
            console.print(f"Wrote {count:,} residents to {csv}.")
            return
        found = isolation.isolation_page(session, principal, day, PageRequest.parse(page))
    table = Table(title=f"At risk of isolation on {day:%d %b %Y}: {found.caption('residents')}")
    for heading in ("Resident", "Name", "Age", "Ward", "Why"):
        table.add_column(heading)
    for p in found.items:
        table.add_row(str(p.resident_id), p.name, str(p.age(day) or ""), p.ward_name,
                      "; ".join(p.reasons))  # fmt: skip
    console.print(table)


@triage_app.command("needs")
def needs_command(
    area: str | None = typer.Option(None, help="The council area (needed if there are several)."),
    as_of: str | None = typer.Option(None, help="The day (YYYY-MM-DD; today if left out)."),
) -> None:
    """Residents whose latest triage found each need, by ward (counts only)."""
    from safetynet.db import open_session
    from safetynet.triage.forms import NEEDS
    from safetynet.triage.service import needs_by_ward

    day = _day(as_of)
    with open_session() as session:
        counts = needs_by_ward(session, area, day)
    table = Table(title=f"Digital inclusion needs by ward on {day:%d %b %Y}")
    table.add_column("Ward")
    table.add_column("Any", justify="right")
    for label in NEEDS.values():
        table.add_column(label, justify="right")
    for ward, c in sorted(counts.items()):
        table.add_row(ward, str(c["any"]), *(str(c[n]) for n in NEEDS))
    console.print(table)


def _day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--as-of: '{text}' is not a date like 2026-12-05.") from None
