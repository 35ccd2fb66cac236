"""How to claim each benefit the check reports: who to ask and the GOV.UK page that says how."""

from __future__ import annotations

HOW_TO_CLAIM: dict[str, tuple[str, str]] = {
    "universal_credit": (
        "Apply online, or call the Universal Credit helpline on 0800 328 5644.",
        "https://www.gov.uk/universal-credit/how-to-claim",
    ),
    "pension_credit": (
        "Apply online or call the Pension Credit claim line on 0800 99 1234.",
        "https://www.gov.uk/pension-credit/how-to-claim",
    ),
    "housing_benefit": (
        "Apply to your council, or through a Pension Credit claim.",
        "https://www.gov.uk/housing-benefit/how-to-claim",
    ),
    "child_benefit": (
        "Claim online or with form CH2 to HM Revenue and Customs.",
        "https://www.gov.uk/child-benefit/how-to-claim",
    ),
    "council_tax_reduction": (
        "Apply to your council.",
        "https://www.gov.uk/apply-council-tax-reduction",
    ),
    "pip": (
        "Call the PIP new claims line on 0800 917 2222; an assessment follows.",
        "https://www.gov.uk/pip/how-to-claim",
    ),
    "attendance_allowance": (
        "Claim with the Attendance Allowance form, by post.",
        "https://www.gov.uk/attendance-allowance/how-to-claim",
    ),
}


def how_to_claim(benefit: str) -> dict[str, str]:
    """Who to ask and where to read more, for one benefit."""
    text, url = HOW_TO_CLAIM.get(
        benefit, ("Ask your council's advice service.", "https://www.gov.uk/browse/benefits")
    )
    return {"text": text, "url": url}
