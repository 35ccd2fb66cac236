"""Reading ORUK feeds: from another council's ORUK API (paged, at a polite pace) and from
ORUK JSON files. (The tabular CSV form is read by `directory.tabular`.)

An API import lists `/services` page by page, then asks `/services/{id}` for each fully nested
service (the list carries only one-to-one fields), and reads `/taxonomies` and
`/taxonomy_terms` when the API offers them. Requests are spaced to
`SAFETYNET_ORUK_REQUESTS_PER_MINUTE`. Any failure names the address and what came back; the
import then saves nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from safetynet.directory.service import Feed
from safetynet.errors import InvalidInput

MOST_PAGES = 10_000
PER_PAGE = 100
LARGEST_FILE = 512 * 1024 * 1024


class Pace:
    """Spaces requests so no more than `per_minute` are made in any minute."""

    def __init__(self, per_minute: int, sleep: Callable[[float], None] = time.sleep) -> None:
        self.gap = 60.0 / per_minute
        self.sleep = sleep
        self.last: float | None = None

    def wait(self) -> None:
        """Wait until the next request may go."""
        now = time.monotonic()
        if self.last is not None and now - self.last < self.gap:
            self.sleep(self.gap - (now - self.last))
        self.last = time.monotonic()


class OrukApi:
    """An ORUK API at `base_url` (the address its `/services` hangs off)."""

    def __init__(self, base_url: str, client: httpx.Client, pace: Pace) -> None:
        self.base = base_url.rstrip("/")
        self.client = client
        self.pace = pace
        self.requests = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One JSON answer, or a clear refusal naming the address."""
        url = f"{self.base}{path}"
        self.pace.wait()
        self.requests += 1
        try:
            answer = self.client.get(url, params=params)
        except httpx.HTTPError as failed:
            raise InvalidInput(f"The ORUK API at {url} could not be reached: {failed}.") from failed
        if answer.status_code != 200:
            raise InvalidInput(f"The ORUK API answered {answer.status_code} for {url}.")
        try:
            return answer.json()
        except ValueError as bad:
            raise InvalidInput(f"The ORUK API's answer for {url} is not JSON.") from bad

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, page after page."""
        for number in range(1, MOST_PAGES + 1):
            page = self.get(path, {"page": number, "per_page": PER_PAGE})
            contents = page.get("contents") if isinstance(page, dict) else None
            if not isinstance(contents, list):
                raise InvalidInput(f"The ORUK API's page {number} of {self.base}{path} has no "
                                   "'contents' list.")  # fmt: skip
            yield from contents
            total = page.get("total_pages")
            if not contents or page.get("last_page") or (total and number >= int(total)):
                return
        raise InvalidInput(f"{self.base}{path} has more than {MOST_PAGES:,} pages.")

    def optional_pages(self, path: str) -> list[dict[str, Any]]:
        """A list the API may not offer (404: none)."""
        try:
            return list(self.pages(path))
        except InvalidInput as refused:
            if "answered 404" in refused.message:
                return []
            raise


def fetch(
    base_url: str,
    *,
    per_minute: int,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Feed, int]:
    """A whole ORUK feed from an API, and how many requests it took."""
    if not base_url.startswith(("https://", "http://")):
        raise InvalidInput("The ORUK API address must start with https:// (or http://).")
    headers = {"Accept": "application/json", "User-Agent": "safetynet-directory-import"}
    with httpx.Client(timeout=timeout, headers=headers, transport=transport) as client:
        api = OrukApi(base_url, client, Pace(per_minute, sleep))
        listed = [item.get("id") for item in api.pages("/services") if isinstance(item, dict)]
        services = [api.get(f"/services/{sid}") for sid in listed if isinstance(sid, str)]
        taxonomies = api.optional_pages("/taxonomies")
        terms = api.optional_pages("/taxonomy_terms")
    return Feed(services=services, taxonomies=taxonomies, terms=terms), api.requests


def read_json(path: Path) -> Feed:
    """A feed from an ORUK JSON file: one service, a list of services, a page of an ORUK API
    (`contents`), or Safety Net's export (`services`, `taxonomies`, `taxonomy_terms`)."""
    if not path.is_file():
        raise InvalidInput(f"{path}: there is no such file.")
    if path.stat().st_size > LARGEST_FILE:
        raise InvalidInput(f"{path}: the file is larger than {LARGEST_FILE // 2**20} MB.")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"{path}: the file is not UTF-8 text.") from bad
    except json.JSONDecodeError as bad:
        raise InvalidInput(
            f"{path}: line {bad.lineno}, column {bad.colno}: not valid JSON ({bad.msg})."
        ) from bad
    return feed_of(data, str(path))


def feed_of(data: Any, origin: str) -> Feed:
    """The feed in a decoded JSON document, whichever of the accepted shapes it has."""
    if isinstance(data, list):
        return Feed(services=data, taxonomies=[], terms=[])
    if not isinstance(data, dict):
        raise InvalidInput(f"{origin}: expected a JSON object or list of services.")
    if "services" in data or "taxonomies" in data or "taxonomy_terms" in data:
        parts = [data.get(k) or [] for k in ("services", "taxonomies", "taxonomy_terms")]
        if not all(isinstance(p, list) for p in parts):
            raise InvalidInput(f"{origin}: services, taxonomies and taxonomy_terms must be lists.")
        return Feed(services=parts[0], taxonomies=parts[1], terms=parts[2])
    if isinstance(data.get("contents"), list):
        return Feed(services=data["contents"], taxonomies=[], terms=[])
    return Feed(services=[data], taxonomies=[], terms=[])
