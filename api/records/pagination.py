"""Relay connections over keyset pages: the types every list shares, and page-size rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import strawberry

from domain.errors import InvalidInput
from domain.records.listing import Listing

NodeType = TypeVar("NodeType")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Lists inside a record (a customer's contacts, a record's history) show their first page only.
MAX_NESTED_PAGE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    node: NodeType
    # Encoding cursors costs; lists often never ask for them.
    cursor_of: strawberry.Private[Callable[[], str]]

    @strawberry.field
    def cursor(self) -> str:
        return self.cursor_of()


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    # Counting costs a query of its own, so it runs only when a client asks for totalCount.
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.count()


def page_size(first: int | None, argument: str = "first") -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput.single(
            argument, "OUT_OF_RANGE", f"{argument} must be between 1 and {MAX_PAGE_SIZE}"
        )
    return first


def nested_page_size(first: int | None) -> int:
    """The size of a list inside a record: as asked, at most MAX_NESTED_PAGE."""
    return min(page_size(first), MAX_NESTED_PAGE)


@dataclass(frozen=True)
class Page:
    """Which page of a connection a client asks for, Relay's way: `first` after a cursor, or
    `last` before one (either may also be bounded by the other cursor)."""

    size: int
    after: str | None = None
    before: str | None = None
    backward: bool = False

    def listing_args(self) -> dict[str, Any]:
        """The keyword arguments of domain.records.listing's list_records and list_grouped."""
        return {
            "first": self.size,
            "after": self.after,
            "before": self.before,
            "backward": self.backward,
        }


def page_of(
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    nested: bool = False,
) -> Page:
    """The page the arguments name; BAD_USER_INPUT for both `first` and `last`. Lists inside a
    record hold at most MAX_NESTED_PAGE."""
    if first is not None and last is not None:
        raise InvalidInput.single("last", "FIRST_AND_LAST", "ask for first or last, not both")
    backward = last is not None
    size = page_size(last, "last") if backward else page_size(first)
    return Page(min(size, MAX_NESTED_PAGE) if nested else size, after, before, backward)


def listing_connection(
    listing: Listing, convert: Callable[[dict[str, Any]], NodeType]
) -> Connection[NodeType]:
    """A connection from a domain listing of rows; `convert` maps a row to its GraphQL type."""
    edges = [
        Edge(node=convert(row), cursor_of=partial(listing.cursor, row)) for row in listing.rows
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=listing.has_next,
            has_previous_page=listing.has_previous,
            start_cursor=listing.cursor(listing.rows[0]) if listing.rows else None,
            end_cursor=listing.cursor(listing.rows[-1]) if listing.rows else None,
        ),
        count=listing.count,
    )
