"""Routing facts about each member of a tenant: when they are away (out of office, a date range
in the tenant's zone, both ends included) and their skills (the ticket categories they handle).
Assignment strategies skip members who are away and, when asked, prefer those with the skill
(domain/routing).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE member_routing (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            user_id uuid NOT NULL,
            away_from date,
            away_until date,
            skills text[] NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, user_id),
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id) ON DELETE CASCADE,
            CHECK (away_from IS NULL OR away_until IS NULL OR away_from <= away_until)
        )""")
    role = _app_role()
    op.execute("ALTER TABLE member_routing ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE member_routing FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON member_routing USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON member_routing TO {role}")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS member_routing")
