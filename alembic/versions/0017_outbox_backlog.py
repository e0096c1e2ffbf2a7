"""How far behind the relay is, for its metrics: the number of unpublished outbox events and the
time the oldest was written, over every tenant (the relay's role sees no tenant's rows itself).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    # Runs as the owner and reveals two numbers, no tenant's data. The partial index on pending
    # events (0006) keeps it cheap while the backlog is small, which is what it normally is.
    op.execute("""
        CREATE FUNCTION outbox_backlog(OUT events bigint, OUT oldest timestamptz)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT count(*), min(occurred_at) FROM outbox_event WHERE published_at IS NULL $$""")
    op.execute("REVOKE ALL ON FUNCTION outbox_backlog() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION outbox_backlog() TO {_app_role()}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_backlog()")
