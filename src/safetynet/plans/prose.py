"""Optional prose for a plan's summary from an OpenAI-compatible endpoint (off by default).

Only the plan's figures are sent: ward names, programme names, counts and pounds, the actions
in words. Never a resident: the prompt is built from the drafted plan, which holds counts only
(a test checks it). Any failure falls back to the template's summary, saying why.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from safetynet.config import Settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
INSTRUCTIONS = (
    "You write the summary of a council's delivery plan for a decision-making meeting. Plain "
    "English, about 150 words, no headings, no figures that are not in the facts given. Say "
    "where the council will act first and why, what it will do, and how it will know it worked."
)


def prompt(facts: dict[str, Any]) -> list[dict[str, str]]:
    """The chat messages sent: the instructions and the plan's figures as JSON."""
    return [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": json.dumps(facts, ensure_ascii=False, sort_keys=True)},
    ]


def draft_summary(settings: Settings, facts: dict[str, Any]) -> tuple[str | None, str]:
    """(summary or None, what wrote it or why not) from the configured endpoint."""
    if not settings.plans_llm_url:
        return None, "templates"
    url = settings.plans_llm_url.rstrip("/") + "/chat/completions"
    body = json.dumps(
        {"model": settings.plans_llm_model, "messages": prompt(facts), "temperature": 0.2}
    ).encode()
    headers = {"Content-Type": "application/json"}
    if settings.plans_llm_key:
        headers["Authorization"] = f"Bearer {settings.plans_llm_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read())
        text = answer["choices"][0]["message"]["content"].strip()
    except (urllib.error.URLError, TimeoutError, ValueError, KeyError, IndexError, TypeError) as e:
        log.warning(
            "Plan prose endpoint failed (%s); the template summary is used", type(e).__name__
        )
        return None, f"templates (the prose endpoint failed: {type(e).__name__})"
    if not text:
        return None, "templates (the prose endpoint answered nothing)"
    return text, f"{settings.plans_llm_model} at {settings.plans_llm_url}"
