"""Migrations go up from nothing, all the way down, and up again."""

from __future__ import annotations

import os

import psycopg

from tessera import migrations
from tests.support.database import drop_database, recreate_database

SCRATCH = "tessera_migrations_test"


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_upgrade_downgrade_upgrade():
    server = os.environ["TESSERA_TEST_SERVER_URL"]
    url = recreate_database(server, SCRATCH)
    try:
        migrations.upgrade(database_url=url)
        full = _tables(url)
        assert {"tenant", "app_user", "membership", "api_token", "refresh_token", "auth_session"} <= full

        migrations.downgrade("base", database_url=url)
        assert _tables(url) <= {"alembic_version"}

        migrations.upgrade(database_url=url)
        assert _tables(url) == full
    finally:
        drop_database(server, SCRATCH)
