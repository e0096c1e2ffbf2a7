"""Files kept in PostgreSQL: uploads to import, exports to download and attachments of records.
One row per file (name, sniffed content type, size, digest, what it is for, the record it is
attached to) and its bytes in chunks, so files are written and read as streams.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
TABLES = ("stored_file", "file_chunk")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE stored_file (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            purpose text NOT NULL CHECK (purpose IN ('IMPORT', 'EXPORT', 'ATTACHMENT')),
            filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
            content_type text NOT NULL,
            size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
            sha256 text,
            complete boolean NOT NULL DEFAULT false,
            record_type text,
            record_id uuid,
            job_id uuid,
            created_by uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz,
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX stored_file_record_idx ON stored_file (tenant_id, record_type, record_id, created_at) "
        "WHERE record_id IS NOT NULL"
    )
    op.execute("""
        CREATE TABLE file_chunk (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            file_id uuid NOT NULL,
            seq integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (tenant_id, file_id, seq),
            FOREIGN KEY (tenant_id, file_id) REFERENCES stored_file (tenant_id, id) ON DELETE CASCADE
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
