"""Direct database access for tests: the owner for setup and catalog checks, the app role for RLS."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psycopg

from tenants.database import connection_credentials


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(**connection_credentials(url))


def recreate_database(server_url: str, name: str) -> str:
    """Drop `name` if it exists, create it empty, and return its URL."""
    drop_database(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
