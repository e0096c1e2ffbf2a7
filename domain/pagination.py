"""Keyset pagination over (created_at, id): stable under inserts, and never OFFSET."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

T = TypeVar("T")


@dataclass(frozen=True)
class Position:
    created_at: datetime
    id: uuid.UUID


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    total_count: int


async def keyset_page(queryset: QuerySet, *, first: int, after: Position | None) -> Page:
    """Up to `first` rows after `after`, oldest first, with the total count of the unpaged set."""
    total = await queryset.count()
    page_query = queryset
    if after is not None:
        page_query = page_query.filter(
            Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, id__gt=after.id)
        )
    rows = await page_query.order_by("created_at", "id").limit(first + 1)
    return Page(items=list(rows[:first]), has_next=len(rows) > first, total_count=total)
