"""The default object store: files in a directory (by default `<data dir>/files`), one folder per
tenant. A file appears whole or not at all (written aside, then renamed into place)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from domain.files.storage import KEY


class DirectoryStore:
    name = "directory"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not KEY.match(key):  # keys are two UUIDs: nothing can point outside the root
            raise ValueError(f"not a file key: {key!r}")
        return self.root / key

    async def put(self, key: str, source: IO[bytes]) -> None:
        await asyncio.to_thread(self._put, self._path(key), source)

    @staticmethod
    def _put(path: Path, source: IO[bytes]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        try:
            with partial.open("wb") as out:
                shutil.copyfileobj(source, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    async def read(self, key: str, *, chunk_bytes: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while piece := await asyncio.to_thread(handle.read, chunk_bytes):
                yield piece
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def keys(self, tenant_id: uuid.UUID) -> list[str]:
        folder = self.root / str(tenant_id)
        names = await asyncio.to_thread(
            lambda: sorted(os.listdir(folder)) if folder.is_dir() else []
        )
        return [f"{tenant_id}/{name}" for name in names if not name.startswith(".")]
