"""Where the bytes of stored files live: an object store chosen by settings (a directory under
the data dir by default, any S3-compatible store when configured), behind one small interface, so
uploads, downloads, imports, exports and attachments behave the same on both.

A file's key is `<tenant id>/<file id>`, built here from the tenant of the open transaction and
the file's row (which row-level security already scoped): no code path names another tenant's
key, and an operator can remove or move one tenant's files by its prefix. The metadata stays in
PostgreSQL (`stored_file`, under RLS); the bytes follow the transaction that wrote or deleted
their row through tenants.context's after_commit / after_rollback hooks."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import IO, Protocol

KEY = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}$")


class ObjectStore(Protocol):
    """Bytes by key. Keys are `<tenant id>/<file id>` (checked by `object_key`)."""

    name: str

    async def put(self, key: str, source: IO[bytes]) -> None:
        """Store what `source` holds (read from its current position to its end) under `key`."""

    def read(self, key: str, *, chunk_bytes: int) -> AsyncIterator[bytes]:
        """The bytes under `key`, piece by piece; FileNotFoundError when there are none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the bytes under `key`; nothing happens when there are none."""

    async def keys(self, tenant_id: uuid.UUID) -> list[str]:
        """Every key of the tenant (for the sweep and the tests)."""
        ...


def object_key(tenant_id: uuid.UUID, file_id: uuid.UUID) -> str:
    return f"{tenant_id}/{file_id}"


def file_id_of(key: str) -> uuid.UUID | None:
    """The file id in a key of this scheme; None for anything else found in the store."""
    if not KEY.match(key):
        return None
    try:
        return uuid.UUID(key.split("/", 1)[1])
    except ValueError:
        return None


_store: list[ObjectStore] = []


def configure_store(store: ObjectStore) -> None:
    _store[:] = [store]


def current_store() -> ObjectStore:
    if not _store:
        raise RuntimeError("files need a store: call configure_store() at start-up")
    return _store[0]
