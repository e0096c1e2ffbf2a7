"""Per-request DataLoaders for what records point at: owners, teams, tags, contacts, history.
Each batches every lookup of one request into one query, so lists cost the same number of
statements whatever their length."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from api.permissions import principal_of
from domain.crm import tags, teams
from domain.identity.directory import users_by_id
from domain.records.audit import AUDIT_SPEC
from domain.records.listing import Listing, get_records, list_grouped
from domain.records.spec import RecordSpec


class _Loader(DataLoader):
    """A DataLoader that also keeps what `related` converted its values to: a record that many
    rows of a list point at (their stage, their owner) becomes one GraphQL object, not one each."""

    def __init__(self, load_fn: Callable[[list[Any]], Awaitable[list[Any]]]) -> None:
        super().__init__(load_fn=load_fn)
        self.converted: dict[tuple[Any, Callable[[Any], Any]], Any] = {}


def _loader(info: Info, key: Hashable, load: Callable[[list[Any]], Awaitable[list[Any]]]) -> DataLoader:
    loaders = info.context.loaders
    if key not in loaders:
        loaders[key] = _Loader(load)
    return loaders[key]


def users(info: Info) -> DataLoader:
    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await users_by_id(list(ids))
        return [found.get(i) for i in ids]

    return _loader(info, "users", load)


def records(info: Info, spec: RecordSpec) -> DataLoader:
    """Records of one type by id, as the caller may see them (None when not visible)."""
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> list[Any]:
        found = await get_records(spec, list(ids), principal=principal)
        return [found.get(i) for i in ids]

    return _loader(info, ("records", spec.record_type), load)


def tag_names(info: Info, spec: RecordSpec) -> DataLoader:
    async def load(ids: list[uuid.UUID]) -> list[list[str]]:
        found = await tags.tags_of(spec, list(ids))
        return [found[i] for i in ids]

    return _loader(info, ("tags", spec.record_type), load)


def team_members(info: Info) -> DataLoader:
    async def load(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
        found = await teams.members_of(list(ids))
        return [found[i] for i in ids]

    return _loader(info, "team_members", load)


def children(info: Info, spec: RecordSpec, group_column: str, first: int, scope: dict[str, Any] | None = None) -> DataLoader:
    """The first page of `spec` records per parent id (e.g. contacts per customer_id)."""
    principal = principal_of(info)

    async def load(ids: list[uuid.UUID]) -> list[Listing]:
        found = await list_grouped(spec, principal=principal, group_column=group_column, group_ids=list(ids),
                                   first=first, scope=scope)
        return [found[i] for i in ids]

    key = ("children", spec.record_type, group_column, first, tuple(sorted((scope or {}).items())))
    return _loader(info, key, load)


def history(info: Info, spec: RecordSpec, first: int) -> DataLoader:
    return children(info, AUDIT_SPEC, "record_id", first, {"record_type": spec.record_type})


def timeline(info: Info, spec: RecordSpec, first: int) -> DataLoader:
    from domain.crm.activities import ACTIVITY_SPEC

    return children(info, ACTIVITY_SPEC, "record_id", first, {"record_type": spec.record_type})


def batched(info: Info, key: Hashable, fetch: Callable[[list[Any]], Awaitable[dict[Any, Any]]], default: Any = None) -> DataLoader:
    """A loader over a domain function returning {key: value} for a list of keys."""
    async def load(keys: list[Any]) -> list[Any]:
        found = await fetch(list(keys))
        return [found.get(k, default) for k in keys]

    return _loader(info, key, load)


def peek(loader: DataLoader, key: Any) -> tuple[bool, Any]:
    """(True, value) when the loader already has `key` loaded, else (False, None)."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return True, future.result()
    return False, None


def related(loader: DataLoader, key: Any, convert: Callable[[Any], Any]) -> Any:
    """The converted related value, synchronously when it was prefetched (no task, no await for
    the executor), else an awaitable that loads it in the next batch."""
    if key is None:
        return None
    found, value = peek(loader, key)
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
