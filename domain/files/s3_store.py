"""Files in any S3-compatible store (AWS S3, MinIO, Ceph, R2, ...) through boto3, under an
optional key prefix in one bucket. boto3 blocks, so every call runs in a worker thread; its
client is thread-safe and made once. Uploads past boto3's threshold go up in parts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from domain.files.storage import KEY


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    prefix: str = ""  # e.g. "tessera/": keys become tessera/<tenant id>/<file id>
    endpoint_url: str | None = None  # None: AWS; else the S3-compatible server's URL
    region: str | None = None
    access_key_id: str | None = None  # None: boto3's usual credential chain
    secret_access_key: str | None = None
    path_style: bool = False  # bucket in the path rather than the host name (MinIO, most others)


class S3Store:
    name = "s3"

    def __init__(self, settings: S3Settings) -> None:
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            config=Config(
                s3={"addressing_style": "path" if settings.path_style else "auto"},
                retries={"max_attempts": 5, "mode": "standard"},
            ),
        )

    def _key(self, key: str) -> str:
        if not KEY.match(key):
            raise ValueError(f"not a file key: {key!r}")
        return self.prefix + key

    async def put(self, key: str, source: IO[bytes]) -> None:
        await asyncio.to_thread(self.client.upload_fileobj, source, self.bucket, self._key(key))

    async def read(self, key: str, *, chunk_bytes: int) -> AsyncIterator[bytes]:
        try:
            answer = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=self._key(key)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise
        body = answer["Body"]
        try:
            while piece := await asyncio.to_thread(body.read, chunk_bytes):
                yield piece
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def keys(self, tenant_id: uuid.UUID) -> list[str]:
        return await asyncio.to_thread(self._keys, f"{self.prefix}{tenant_id}/")

    def _keys(self, prefix: str) -> list[str]:
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            found += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
        return found
