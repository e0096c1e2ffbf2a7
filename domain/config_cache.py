"""Per-process caches of the configuration that event delivery reads for every event (a tenant's
automation rules, its webhook endpoints). Each entry is kept with the tenant's delivery
configuration version (delivery_config_version, bumped by triggers on every change), which the
worker reads together with the event; a different version means load again."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tenants.context import current_tenant_id

T = TypeVar("T")
MAX_TENANTS = 1000


class VersionedCache(Generic[T]):
    def __init__(self, load: Callable[[], Awaitable[T]]) -> None:
        self._load = load
        self._entries: OrderedDict[uuid.UUID, tuple[int, T]] = OrderedDict()

    async def get(self, version: int | None) -> T:
        """The current tenant's value for `version`; without a version, loaded and not kept."""
        if version is None:
            return await self._load()
        tenant = current_tenant_id()
        entry = self._entries.get(tenant)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(tenant)
            return entry[1]
        value = await self._load()
        self._entries[tenant] = (version, value)
        self._entries.move_to_end(tenant)
        while len(self._entries) > MAX_TENANTS:
            self._entries.popitem(last=False)
        return value
