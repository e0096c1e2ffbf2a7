"""Satisfaction surveys (回访): one row per survey link sent for a ticket (its expiry, its single
answer), and the answer kept on the ticket beside its satisfaction score.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE satisfaction_survey (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            created_at timestamptz NOT NULL,
            created_by uuid,
            expires_at timestamptz NOT NULL,
            answered_at timestamptz,
            score integer CHECK (score BETWEEN 1 AND 5),
            comment text CHECK (length(comment) <= 2000),
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX satisfaction_survey_ticket_idx ON satisfaction_survey (tenant_id, ticket_id, created_at)"
    )
    op.execute("ALTER TABLE ticket ADD COLUMN satisfaction_comment text")
    op.execute("ALTER TABLE ticket ADD COLUMN satisfaction_at timestamptz")
    op.execute("ALTER TABLE satisfaction_survey ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE satisfaction_survey FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON satisfaction_survey USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON satisfaction_survey TO {_app_role()}")


def downgrade() -> None:
    op.execute("ALTER TABLE ticket DROP COLUMN IF EXISTS satisfaction_at")
    op.execute("ALTER TABLE ticket DROP COLUMN IF EXISTS satisfaction_comment")
    op.execute("DROP TABLE IF EXISTS satisfaction_survey CASCADE")
