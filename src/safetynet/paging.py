"""Paging long lists: one helper for the pages, the API and the CLI.

A `PageRequest` is what the caller asked for (which page, how many a page), checked once;
a `Page` is one page of results with the total, and builds the GOV.UK pagination links a
page shows. Queries are paged in the database (`page_of`); lists already in memory (a
rule's results, worked out by polars) are sliced (`page_of_items`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from safetynet.errors import InvalidInput

T = TypeVar("T")
DEFAULT_SIZE = 50
LARGEST_SIZE = 500


@dataclass(frozen=True)
class PageRequest:
    """Which page (from 1) and how many rows a page."""

    number: int = 1
    size: int = DEFAULT_SIZE

    @classmethod
    def parse(cls, page: str | int | None = None, size: str | int | None = None) -> PageRequest:
        """A page request from query or form values; an unusable value is a field error."""
        number = _whole(page, "page", 1, 1_000_000)
        per_page = _whole(size, "size", DEFAULT_SIZE, LARGEST_SIZE)
        return cls(number, per_page)

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size


def _whole(value: str | int | None, name: str, default: int, most: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise InvalidInput(f"{name.capitalize()} must be a whole number from 1 to {most:,}.")
    return int(text)


@dataclass
class Page(Generic[T]):
    """One page of results, with how many there are in all."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, so an empty result is page 1 of 1)."""
        return max(1, ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """The position (from 1) of this page's first row; 0 when there are none."""
        return 0 if not self.items else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        """The position of this page's last row."""
        return 0 if not self.items else self.first + len(self.items) - 1

    def caption(self, noun: str = "results") -> str:
        """'Showing 51 to 100 of 3,754 results' (or 'No results')."""
        if not self.total:
            return f"No {noun}"
        return f"Showing {self.first:,} to {self.last:,} of {self.total:,} {noun}"

    def links(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Parameters for the `govukPagination` macro: previous, numbered pages (with gaps
        shown as ellipses) and next, each a link to `path` with `params` kept; None when
        everything fits on one page."""
        if self.pages == 1:
            return None
        kept = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if self.size != DEFAULT_SIZE:
            kept["size"] = self.size

        def href(number: int) -> str:
            return f"{path}?{urlencode(kept | {'page': number})}"

        wanted = {1, self.pages, self.number - 1, self.number, self.number + 1}
        items: list[dict[str, Any]] = []
        previous = 0
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if number - previous > 1:
                items.append({"ellipsis": True})
            items.append(
                {"number": str(number), "href": href(number), "current": number == self.number}
            )
            previous = number
        result: dict[str, Any] = {"items": items}
        if self.number > 1:
            result["previous"] = {"href": href(self.number - 1)}
        if self.number < self.pages:
            result["next"] = {"href": href(self.number + 1)}
        return result

    def as_dict(self, items: list[Any] | None = None) -> dict[str, Any]:
        """The page for the API: its items (or `items` given) and where it stands."""
        return {
            "items": self.items if items is None else items,
            "page": self.number,
            "size": self.size,
            "total": self.total,
            "pages": self.pages,
        }


def page_of(
    session: Session, query: Select[Any], request: PageRequest, *, scalars: bool = True
) -> Page[Any]:
    """One page of a query's rows (it must be ordered), and how many rows it has in all."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    window = query.limit(request.size).offset(request.offset)
    rows = list(session.scalars(window)) if scalars else list(session.execute(window).all())
    return Page(rows, request.number, request.size, int(total))


def page_of_items(items: Sequence[T], request: PageRequest) -> Page[T]:
    """One page of a list already worked out."""
    window = list(items[request.offset : request.offset + request.size])
    return Page(window, request.number, request.size, len(items))
