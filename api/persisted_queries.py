"""Automatic persisted queries (Apollo's APQ protocol), so that mobile clients send a 64-character
hash instead of a long document:

1. the client sends `extensions: {persistedQuery: {version: 1, sha256Hash}}` without `query`
   (by GET for queries, so that HTTP caches can keep the answer);
2. an unknown hash is answered with the error `PersistedQueryNotFound` (code
   PERSISTED_QUERY_NOT_FOUND), and the client sends the same request again with the `query`;
3. the server checks that the hash is the SHA-256 of that text, remembers it and runs it.

Documents are kept in this process (the most recently used ones) and in redis with a time to live,
so that every API process knows a document one of them has learnt. Only the text of a document is
kept, nothing of a tenant: a hash names the same document for every tenant. When redis cannot be
reached the process's own memory still answers, and a miss costs the client one round trip more.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import structlog
from cross_web import HTTPException
from redis.asyncio import Redis
from redis.exceptions import RedisError
from strawberry.http import GraphQLRequestData

from api.errors import ErrorCode

log = structlog.get_logger(__name__)

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # the message Apollo's clients look for, with the code
KEY_PREFIX = "apq:"
TIME_TO_LIVE_SECONDS = 7 * 24 * 3600  # refreshed on every use
PROCESS_ENTRIES = 2000


class PersistedQueryNotFound(Exception):
    """The request names a document by a hash nobody has registered (or that has expired)."""


class PersistedQueries:
    def __init__(
        self,
        redis: Redis,
        *,
        entries: int = PROCESS_ENTRIES,
        ttl_seconds: int = TIME_TO_LIVE_SECONDS,
    ) -> None:
        self._redis = redis
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._entries = entries
        self._ttl = ttl_seconds

    async def resolve(self, request_data: GraphQLRequestData | list[GraphQLRequestData]) -> None:
        """Fill in the document of every operation that names one by its hash (in place); raises
        PersistedQueryNotFound for an unknown hash, and a 400 for a hash that does not match its
        document or a malformed `persistedQuery`."""
        for operation in request_data if isinstance(request_data, list) else [request_data]:
            digest = _hash_of(operation.extensions)
            if digest is None:
                continue
            if operation.query is None:
                operation.query = await self._lookup(digest)
            elif hashlib.sha256(operation.query.encode("utf-8")).hexdigest() != digest:
                raise HTTPException(
                    400, "persistedQuery.sha256Hash is not the SHA-256 of the query sent with it"
                )
            else:
                await self._remember(digest, operation.query)

    async def _lookup(self, digest: str) -> str:
        document = self._documents.get(digest)
        if document is not None:
            self._documents.move_to_end(digest)
            return document
        try:
            stored = await self._redis.getex(KEY_PREFIX + digest, ex=self._ttl)
        except (RedisError, OSError) as exc:  # redis is a cache here: a miss, not a failure
            log.warning("persisted queries: redis unavailable", error=str(exc))
            stored = None
        if stored is None:
            raise PersistedQueryNotFound(digest)
        document = stored.decode("utf-8") if isinstance(stored, bytes) else stored
        self._keep(digest, document)
        return document

    async def _remember(self, digest: str, document: str) -> None:
        if digest in self._documents:
            return
        self._keep(digest, document)
        try:
            await self._redis.set(KEY_PREFIX + digest, document.encode("utf-8"), ex=self._ttl)
        except (RedisError, OSError) as exc:
            log.warning("persisted queries: redis unavailable", error=str(exc))

    def _keep(self, digest: str, document: str) -> None:
        self._documents[digest] = document
        if len(self._documents) > self._entries:
            self._documents.popitem(last=False)


def not_found_answer() -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": NOT_FOUND_MESSAGE,
                "extensions": {"code": ErrorCode.PERSISTED_QUERY_NOT_FOUND.value},
            }
        ]
    }


def _hash_of(extensions: dict[str, Any] | None) -> str | None:
    """The sha256Hash of a `persistedQuery` extension, checked; None when there is none."""
    if not extensions or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise HTTPException(400, "extensions.persistedQuery must be {version: 1, sha256Hash}")
    digest = persisted.get("sha256Hash")
    if (
        not isinstance(digest, str)
        or len(digest) != 64
        or any(c not in "0123456789abcdef" for c in digest)
    ):
        raise HTTPException(
            400, "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits"
        )
    return digest
