"""Alembic runs as the owner role (DATABASE_URL); migrations are hand-written DDL, no autogenerate."""

from alembic import context
from sqlalchemy import create_engine, pool

from tessera.settings import load_settings

config = context.config


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def run_migrations_online() -> None:
    settings = load_settings()
    url = config.attributes.get("database_url") or settings.database_url
    if not url:
        raise SystemExit("DATABASE_URL is not set")
    # Migrations read the application role's name and password from here (see 0001).
    config.attributes.setdefault("app_db_user", settings.app_db_user)
    config.attributes.setdefault("app_db_password", settings.app_db_password_value())
    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
