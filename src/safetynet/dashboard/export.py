"""The dashboard's figures as a workbook (one sheet per panel) or a one-page PDF summary."""

from __future__ import annotations

import io
from typing import Any

from safetynet.dashboard.service import Decisions


def tables(found: Decisions) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet name, header, rows) for each panel of the dashboard."""
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            "Figures",
            ["Figure", "Value", "Detail"],
            [[f.label, f.value, f.detail] for f in found.figures],
        ),
        (
            "By programme",
            ["Programme", "Residents missing out"],
            [list(p) for p in found.programmes],
        ),
        (
            "Over time",
            ["Day", "Residents missing out"],
            [[d.isoformat(), n] for d, n in found.trend],
        ),
        (
            "Where to act",
            ["Rank", "Ward", "Missing out", "Per 1,000", "Score", "Why"],
            [
                [
                    w["rank"],
                    w["ward_name"],
                    w["missing"],
                    w["missing_per_1000"],
                    w["score"],
                    "; ".join(w["reasons"]),
                ]
                for w in found.wards
            ],
        ),
    ]
    if found.takeup:
        t = found.takeup
        sheets.append(
            (
                "Take-up",
                ["Period", "Contacted", "Taken up", "%", "Not contacted", "Taken up", "%"],
                [[t["period"], t["contacted"], t["contacted_taken_up"], t["contacted_pct"],
                  t["not_contacted"], t["not_contacted_taken_up"], t["not_contacted_pct"]]],
            )
        )  # fmt: skip
    if found.plan:
        states = found.plan["states"]
        sheets.append(("Plan", ["Plan", *states], [[found.plan["title"], *states.values()]]))
    if found.payments:
        sheets.append(
            (
                "Payments",
                ["Scheme", "Budget £", "Committed £", "Paid £", "% of budget"],
                [
                    [p["name"], p["budget"] / 100, p["committed"] / 100, p["paid"] / 100,
                     p["used_pct"]]
                    for p in found.payments
                ],
            )
        )  # fmt: skip
    return sheets


def xlsx_bytes(found: Decisions) -> bytes:
    """Every panel as a sheet of an Excel workbook."""
    import xlsxwriter

    from safetynet.exports import neutralise

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for name, header, rows in tables(found):
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, header, bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, [neutralise(v) for v in row])
    book.close()
    return out.getvalue()


def pdf_bytes(found: Decisions, title: str) -> bytes:
    """Every panel as a table in a PDF."""
    from fpdf import FPDF

    from safetynet.plans.export import _latin

    pdf = FPDF(format="A4")
    pdf.set_title(_latin(title))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(
        width, 8, _latin(f"{title}, {found.as_of:%-d %B %Y}"), new_x="LMARGIN", new_y="NEXT"
    )
    for name, header, rows in tables(found):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(width, 7, _latin(name), new_x="LMARGIN", new_y="NEXT")
        if not rows:
            continue
        pdf.set_font("Helvetica", "", 8)
        with pdf.table(text_align="LEFT", line_height=4.5) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(_latin("" if value is None else str(value)))
    return bytes(pdf.output())
