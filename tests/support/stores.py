"""The two object stores the files tests run on: the directory store (the default, as the app
was wired) and an S3 store talking HTTP to a real S3-compatible server (moto's, in a thread on
127.0.0.1), with the settings a `tessera` command needs to reach the same store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto.server import ThreadedMotoServer

from domain.files.s3_store import S3Settings, S3Store
from domain.files.storage import ObjectStore, configure_store, current_store

CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing"}
REGION = "us-east-1"


@contextmanager
def s3_server() -> Iterator[str]:
    """A running S3-compatible server; its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_store(endpoint: str) -> tuple[S3Store, dict[str, str]]:
    """A store on a new bucket of the server, and the environment that selects it in settings."""
    bucket = f"tessera-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["access_key_id"],
        aws_secret_access_key=CREDENTIALS["secret_access_key"],
    ).create_bucket(Bucket=bucket)
    settings = S3Settings(
        bucket=bucket,
        prefix="files/",
        endpoint_url=endpoint,
        region=REGION,
        path_style=True,
        **CREDENTIALS,
    )
    env = {
        "FILE_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_PREFIX": "files/",
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_PATH_STYLE": "true",
        "S3_ACCESS_KEY_ID": CREDENTIALS["access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["secret_access_key"],
    }
    return S3Store(settings), env


@contextmanager
def using(store: ObjectStore) -> Iterator[ObjectStore]:
    """The app (this process) keeps files in `store` until the block ends."""
    before = current_store()
    configure_store(store)
    try:
        yield store
    finally:
        configure_store(before)
