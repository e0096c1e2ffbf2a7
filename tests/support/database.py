"""Direct database access for tests: the owner for setup and catalog checks, the app role for RLS."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg

from tenants.database import connection_credentials


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


async def connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(**connection_credentials(url))
