"""Migrations go up from nothing, all the way down, and up again."""

from __future__ import annotations

import os

import psycopg
from alembic.script import ScriptDirectory

from tessera import migrations
from tests.support.database import drop_database, recreate_database

SCRATCH = "tessera_migrations_test"


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {row[0] for row in rows}


def test_upgrade_downgrade_upgrade():
    server = os.environ["TESSERA_TEST_SERVER_URL"]
    url = recreate_database(server, SCRATCH)
    try:
        migrations.upgrade(database_url=url)
        full = _tables(url)
        assert {
            "tenant",
            "app_user",
            "membership",
            "api_token",
            "refresh_token",
            "auth_session",
        } <= full

        migrations.downgrade("base", database_url=url)
        assert _tables(url) <= {"alembic_version"}

        migrations.upgrade(database_url=url)
        assert _tables(url) == full
    finally:
        drop_database(server, SCRATCH)


def test_cjk_search_indexes_the_rows_that_existed_before_it():
    # Found by its file name, not its revision id, which the merge may renumber.
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    search = next(s for s in scripts.walk_revisions() if s.path.endswith("_cjk_search.py"))
    server = os.environ["TESSERA_TEST_SERVER_URL"]
    url = recreate_database(server, SCRATCH)
    try:
        migrations.upgrade(search.down_revision, database_url=url)
        with psycopg.connect(url, autocommit=True) as conn:
            tenant = conn.execute(
                "INSERT INTO tenant (id, slug, name) VALUES (gen_random_uuid(), 'old', 'Old') "
                "RETURNING id"
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO customer (tenant_id, id, name) VALUES (%s, gen_random_uuid(), '上海支道科技有限公司')",
                (tenant,),
            )
            conn.execute(
                "INSERT INTO lead (tenant_id, id, company_name) VALUES (%s, gen_random_uuid(), '北京支道科技')",
                (tenant,),
            )
            found = (
                "SELECT (SELECT count(*) FROM customer WHERE search_vector @@ to_tsquery('simple', '支道 <-> 道科')), "
                "(SELECT count(*) FROM lead WHERE search_vector @@ to_tsquery('simple', '支道 <-> 道科'))"
            )
            before = conn.execute(found).fetchone()

            migrations.upgrade(database_url=url)

            assert (before, conn.execute(found).fetchone()) == ((0, 0), (1, 1))
    finally:
        drop_database(server, SCRATCH)
