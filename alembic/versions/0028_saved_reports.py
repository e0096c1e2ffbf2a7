"""Saved reports and dashboards: a report is an aggregate or a standard analytic with its
parameters; a dashboard is an ordered list of widgets, each showing a saved report with a chart
hint. Both belong to their owner, who may share them with roles and teams (docs/reports.md).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
SHARING = """
    visibility text NOT NULL DEFAULT 'PRIVATE' CHECK (visibility IN ('PRIVATE', 'SHARED')),
    shared_roles text[] NOT NULL DEFAULT '{}',
    shared_team_ids uuid[] NOT NULL DEFAULT '{}',
    owner_id uuid NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
"""


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE saved_report (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            description text,
            kind text NOT NULL,
            params jsonb NOT NULL DEFAULT '{{}}',
            {SHARING},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(f"""
        CREATE TABLE dashboard (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            description text,
            widgets jsonb NOT NULL DEFAULT '[]',
            {SHARING},
            PRIMARY KEY (tenant_id, id)
        )""")
    role = _app_role()
    for table in ("saved_report", "dashboard"):
        op.execute(
            f"CREATE INDEX {table}_owner_idx ON {table} (tenant_id, owner_id, name) WHERE deleted_at IS NULL"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS dashboard")
    op.execute("DROP TABLE IF EXISTS saved_report")
