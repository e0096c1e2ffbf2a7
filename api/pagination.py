"""Relay connections with keyset cursors: types shared by every list, and cursor encoding."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Generic, TypeVar

import strawberry

from domain.errors import InvalidInput
from domain.pagination import Page, Position
from domain.records.listing import Listing

NodeType = TypeVar("NodeType")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


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


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.created_at.isoformat(), str(position.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, record_id = json.loads(raw)
        return Position(datetime.fromisoformat(created_at), uuid.UUID(record_id))
    except (ValueError, TypeError) as exc:
        raise InvalidInput.single("after", "INVALID_CURSOR", "after is not a cursor of this list") from exc


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise InvalidInput.single("first", "OUT_OF_RANGE", f"first must be between 1 and {MAX_PAGE_SIZE}")
    return first


def to_connection(page: Page, convert, has_previous: bool) -> Connection:
    """A connection from a domain page; `convert` maps a row to its GraphQL type."""
    cursors = [encode_cursor(Position(row.created_at, row.id)) for row in page.items]
    edges = [Edge(node=convert(row), cursor_of=lambda c=c: c) for row, c in zip(page.items, cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        count=_constant(page.total_count),
    )


def _constant(value: int) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return value

    return count


def listing_connection(listing: Listing, convert: Callable[[dict[str, Any]], NodeType]) -> Connection[NodeType]:
    """A connection from a domain listing of rows; `convert` maps a row to its GraphQL type."""
    edges = [Edge(node=convert(row), cursor_of=partial(listing.cursor, row)) for row in listing.rows]
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
