"""tenants/database.py relies on two things tortoise offers no public way to: its context made
global for every task of the process (set_global_context, public since tortoise 1.0), and the
asyncpg pool kept in its client's `_pool` (read for the pool metrics). If an upgrade changes
them, these tests fail instead of requests finding no connection or the metrics going blank."""

from __future__ import annotations

import contextvars

from tortoise.context import get_current_context

from tenants.database import pool_usage


async def test_a_task_with_none_of_the_contexts_variables_still_finds_the_connections(app) -> None:
    # A fresh contextvars context is what a task started elsewhere (uvicorn's lifespan) sees.
    assert contextvars.Context().run(get_current_context) is not None


async def test_the_pool_metrics_read_tortoises_asyncpg_pool(app, settings) -> None:
    usage = pool_usage()
    assert usage is not None
    open_connections, idle, maximum = usage
    assert maximum == settings.db_pool_size
    assert 0 <= idle <= open_connections <= maximum
