"""A plan as a document under its seven headings: the same content for the page, Word (DOCX)
and PDF. A plan holds counts only, so its documents carry no personal data."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from safetynet.plans.models import Plan
from safetynet.plans.service import HEADINGS, progress


@dataclass
class Section:
    """One heading: paragraphs, a bulleted list and/or a table (header row first)."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)


def _day(value: date) -> str:
    return f"{value:%-d %B %Y}"


def sections(plan: Plan, as_of: date) -> list[Section]:
    """The plan under its seven headings, "have we done it" as of `as_of`."""
    actions = plan.actions
    numbered = [f"{i}. " for i in range(1, len(actions) + 1)]
    what, whom, when, who, resources, risks, done = (Section(h) for h in HEADINGS)
    what.bullets = [n + a.what for n, a in zip(numbered, actions, strict=True)]
    whom.bullets = [n + a.for_whom for n, a in zip(numbered, actions, strict=True)]
    when.bullets = [n + _day(a.by_when) for n, a in zip(numbered, actions, strict=True)]
    who.bullets = [n + a.owner for n, a in zip(numbered, actions, strict=True)]
    resources.bullets = [n + a.resources for n, a in zip(numbered, actions, strict=True)]
    risks.table = [["Risk", "Likelihood", "Impact", "Score", "Mitigation", "Owner"]] + [
        [
            r.risk,
            str(r.likelihood),
            str(r.impact),
            str(r.likelihood * r.impact),
            r.mitigation,
            r.owner,
        ]
        for r in sorted(plan.risks, key=lambda r: (-r.likelihood * r.impact, r.position))
    ]
    measured = (
        f"Measured from the data on {plan.measured_at:%-d %B %Y}."
        if plan.measured_at
        else "Not measured since the plan was drafted."
    )
    done.paragraphs = [measured]
    done.table = [["Action", "Measure", "Baseline", "Now", "Target", "Where it stands"]] + [
        [
            str(i),
            p.action.measure,
            _n(p.action.baseline),
            _n(p.action.latest),
            _n(p.action.target),
            p.state + (f" (expected {p.expected:,} by now)" if p.state == "behind" else ""),
        ]
        for i, p in enumerate(progress(plan, as_of), start=1)
    ]
    return [what, whom, when, who, resources, risks, done]


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def docx_bytes(plan: Plan, as_of: date) -> bytes:
    """The plan as a Word document."""
    from docx import Document

    document = Document()
    document.core_properties.title = plan.title
    document.add_heading(plan.title, level=0)
    document.add_paragraph(
        f"{_day(plan.starts)} to {_day(plan.ends)} · {plan.status} · drafted by {plan.created_by}"
    )
    document.add_heading("Summary", level=1)
    document.add_paragraph(plan.summary)
    for number, section in enumerate(sections(plan, as_of), start=1):
        document.add_heading(f"{number}. {section.heading}", level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for text in section.bullets:
            document.add_paragraph(text, style="List Bullet")
        if section.table:
            table = document.add_table(rows=0, cols=len(section.table[0]))
            table.style = "Table Grid"
            for row in section.table:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


LATIN = str.maketrans(
    {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "...", "·": "-"}
)


def _latin(text: str) -> str:
    """Text the PDF's built-in fonts can draw (Latin-1), other characters replaced."""
    return text.translate(LATIN).encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(plan: Plan, as_of: date) -> bytes:
    """The plan as a PDF (A4)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_latin(plan.title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(width, 9, _latin(plan.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        width,
        6,
        _latin(
            f"{_day(plan.starts)} to {_day(plan.ends)} - {plan.status} - "
            f"drafted by {plan.created_by}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _pdf_heading(pdf, width, "Summary")
    pdf.multi_cell(width, 5.5, _latin(plan.summary), new_x="LMARGIN", new_y="NEXT")
    for number, section in enumerate(sections(plan, as_of), start=1):
        _pdf_heading(pdf, width, f"{number}. {section.heading}")
        for text in section.paragraphs:
            pdf.multi_cell(width, 5.5, _latin(text), new_x="LMARGIN", new_y="NEXT")
        for text in section.bullets:
            pdf.multi_cell(width, 5.5, _latin(text), new_x="LMARGIN", new_y="NEXT")
        if section.table:
            pdf.set_font("Helvetica", "", 8)
            with pdf.table(text_align="LEFT", line_height=4.5) as table:
                for row in section.table:
                    cells = table.row()
                    for text in row:
                        cells.cell(_latin(text))
            pdf.set_font("Helvetica", "", 10)
    return bytes(pdf.output())


def _pdf_heading(pdf: object, width: float, text: str) -> None:
    pdf.ln(3)  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", "B", 13)  # type: ignore[attr-defined]
    pdf.multi_cell(width, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")  # type: ignore[attr-defined]
    pdf.set_font("Helvetica", "", 10)  # type: ignore[attr-defined]
