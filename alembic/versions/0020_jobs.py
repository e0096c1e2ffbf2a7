"""Background jobs: one row per job (kind, status, progress, result, the member who started it and
the runner holding it), and the errors a job collects along the way (an import's failing rows).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
TABLES = ("job", "job_error")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE job (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
            status text NOT NULL DEFAULT 'QUEUED'
                CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
            params jsonb NOT NULL DEFAULT '{}',
            progress_done bigint NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
            progress_total bigint CHECK (progress_total >= 0),
            result jsonb,
            error text,
            errors_count integer NOT NULL DEFAULT 0,
            checkpoint jsonb NOT NULL DEFAULT '{}',
            credential jsonb NOT NULL DEFAULT '{}',
            runner uuid,
            lease_until timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            created_by uuid NOT NULL,
            cancelled_by uuid,
            version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute("CREATE INDEX job_created_by_idx ON job (tenant_id, created_by, created_at)")
    op.execute("CREATE INDEX job_created_idx ON job (tenant_id, created_at)")
    op.execute("""
        CREATE TABLE job_error (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            job_id uuid NOT NULL,
            seq integer NOT NULL,
            row_number integer,
            field text,
            code text NOT NULL,
            message text NOT NULL,
            PRIMARY KEY (tenant_id, job_id, seq),
            FOREIGN KEY (tenant_id, job_id) REFERENCES job (tenant_id, id) ON DELETE CASCADE
        )""")
    role = _app_role()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
