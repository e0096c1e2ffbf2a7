"""Running alembic from code, as the owner role (DATABASE_URL)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config

from tessera.settings import load_settings


def _project_root() -> Path:
    for candidate in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (candidate / "alembic" / "env.py").exists():
            return candidate
    raise SystemExit("cannot find the alembic/ directory; run from the project root")


def alembic_config(database_url: str | None = None) -> Config:
    root = _project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(revision: str = "head", database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(revision: str, database_url: str | None = None) -> None:
    command.downgrade(alembic_config(database_url), revision)


def wait_for_database(
    seconds: float, database_url: str | None = None, *, pause_seconds: float = 1.0
) -> None:
    """Until the database accepts a query, at most `seconds`: a fresh PostgreSQL container refuses
    connections while it initialises (and restarts once in the middle of it)."""
    url = database_url or load_settings().database_url
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=max(1, int(pause_seconds * 3))) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() + pause_seconds > deadline:
                raise
            print(
                f"waiting for the database: {str(exc).strip().splitlines()[0]}",
                file=sys.stderr,
                flush=True,
            )
            time.sleep(pause_seconds)
