"""Per-request DataLoaders for what records point at: members, records by id, tags, team members,
nested lists. Each batches every lookup of one request into one query, so lists cost the same
number of statements whatever their length."""

from __future__ import annotations

import uuid
from asyncio import Future
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from strawberry.dataloader import AbstractCache, DataLoader
from strawberry.types import Info

from api.permissions import principal_of
from api.records.pagination import Page
from domain.crm import tags, teams
from domain.identity.directory import users_by_id
from domain.records.audit import AUDIT_SPEC
from domain.records.listing import Listing, get_records, list_grouped
from domain.records.spec import RecordSpec

Load = Callable[[list[Any]], Awaitable[list[Any]]]


class LoadedValues(AbstractCache[Any, Any]):
    """A loader's cache of futures, handed to strawberry through DataLoader's documented
    `cache_map` argument and kept by the loader, so `peek` reads it without strawberry's attributes."""

    def __init__(self) -> None:
        self.futures: dict[Any, Future[Any]] = {}

    def get(self, key: Any) -> Future[Any] | None:
        return self.futures.get(key)

    def set(self, key: Any, value: Future[Any]) -> None:
        self.futures[key] = value

    def delete(self, key: Any) -> None:
        del self.futures[key]

    def clear(self) -> None:
        self.futures.clear()


class Loader(DataLoader[Any, Any]):
    """A DataLoader that can say what it has loaded already, and keeps what `related` converted
    its values to: a record that many rows of a list point at (their stage, their owner) becomes
    one GraphQL object, not one each."""

    def __init__(self, load_fn: Load) -> None:
        self.loaded = LoadedValues()
        super().__init__(load_fn=load_fn, cache_map=self.loaded)
        self.converted: dict[tuple[Any, Callable[[Any], Any]], Any] = {}

    def peek(self, key: Any) -> tuple[bool, Any]:
        """(True, value) when `key` is loaded already, else (False, None)."""
        future = self.loaded.get(key)
        if (
            future is not None
            and future.done()
            and not future.cancelled()
            and future.exception() is None
        ):
            return True, future.result()
        return False, None


def per_request(info: Info, key: Hashable, load: Load) -> Loader:
    """The request's loader under `key`, made with `load` on first use."""
    loaders = info.context.loaders
    if key not in loaders:
        loaders[key] = Loader(load)
    return loaders[key]


def users(info: Info) -> Loader:
    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await users_by_id(list(ids))
        return [found.get(i) for i in ids]

    return per_request(info, "users", load)


def records(info: Info, spec: RecordSpec) -> Loader:
    """Records of one type by id, as the caller may see them (None when not visible)."""
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await get_records(spec, list(ids), principal=principal)
        return [found.get(i) for i in ids]

    return per_request(info, ("records", spec.record_type), load)


def rows_of(info: Info, target: RecordSpec | None) -> Loader:
    """The loader of what a relation points at: records of `target`, or members when None."""
    return users(info) if target is None else records(info, target)


def tag_names(info: Info, spec: RecordSpec) -> Loader:
    async def load(ids: list[uuid.UUID]) -> list[list[str]]:
        found = await tags.tags_of(spec, list(ids))
        return [found[i] for i in ids]

    return per_request(info, ("tags", spec.record_type), load)


def team_members(info: Info) -> Loader:
    async def load(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
        found = await teams.members_of(list(ids))
        return [found[i] for i in ids]

    return per_request(info, "team_members", load)


def children(
    info: Info, spec: RecordSpec, group_column: str, page: Page, scope: dict[str, Any] | None = None
) -> Loader:
    """A page of `spec` records per parent id (e.g. contacts per customer_id)."""
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> list[Listing]:
        found = await list_grouped(
            spec,
            principal=principal,
            group_column=group_column,
            group_ids=list(ids),
            scope=scope,
            **page.listing_args(),
        )
        return [found[i] for i in ids]

    key = ("children", spec.record_type, group_column, page, tuple(sorted((scope or {}).items())))
    return per_request(info, key, load)


def history(info: Info, spec: RecordSpec, page: Page) -> Loader:
    return children(info, AUDIT_SPEC, "record_id", page, {"record_type": spec.record_type})


def batched(
    info: Info,
    key: Hashable,
    fetch: Callable[[list[Any]], Awaitable[dict[Any, Any]]],
    default: Any = None,
) -> Loader:
    """A loader over a domain function returning {key: value} for a list of keys."""

    async def load(keys: list[Any]) -> list[Any]:
        found = await fetch(list(keys))
        return [found.get(k, default) for k in keys]

    return per_request(info, key, load)


def related(loader: Loader, key: Any, convert: Callable[[Any], Any]) -> Any:
    """The converted related value, synchronously when it was prefetched (no task, no await for
    the executor), else an awaitable that loads it in the next batch."""
    if key is None:
        return None
    found, value = loader.peek(key)
    if found:
        if value is None:
            return None
        converted = loader.converted
        if (key, convert) not in converted:
            converted[key, convert] = convert(value)
        return converted[key, convert]

    async def load() -> Any:
        row = await loader.load(key)
        return None if row is None else convert(row)

    return load()
