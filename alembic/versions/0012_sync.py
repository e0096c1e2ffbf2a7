"""Two-way sync with external systems: connections (connector, settings, cursors), the state of
every synced record (what both sides last agreed on), and the sync log.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
RECORD_COLUMNS = """
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_by uuid,
    deleted_at timestamptz
"""
TABLES = ("sync_connection", "sync_state", "sync_log")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE sync_connection (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            connector text NOT NULL,
            system text NOT NULL CHECK (length(system) BETWEEN 1 AND 50),
            base_url text NOT NULL,
            credentials text,
            settings jsonb NOT NULL DEFAULT '{{}}',
            interval_seconds integer NOT NULL DEFAULT 300 CHECK (interval_seconds BETWEEN 10 AND 86400),
            enabled boolean NOT NULL DEFAULT true,
            cursors jsonb NOT NULL DEFAULT '{{}}',
            next_run_at timestamptz NOT NULL DEFAULT now(),
            last_run_at timestamptz,
            last_error text,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute("""
        CREATE TABLE sync_state (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            connection_id uuid NOT NULL,
            stream text NOT NULL,
            external_id text NOT NULL,
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            agreed jsonb NOT NULL,
            external_updated_at timestamptz,
            synced_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, connection_id, stream, external_id),
            FOREIGN KEY (tenant_id, connection_id) REFERENCES sync_connection (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX sync_state_record_idx ON sync_state (tenant_id, connection_id, record_type, record_id)"
    )
    op.execute("""
        CREATE TABLE sync_log (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            connection_id uuid NOT NULL,
            run_id uuid NOT NULL,
            direction text NOT NULL CHECK (direction IN ('PULL', 'PUSH', 'RUN')),
            stream text,
            external_id text,
            record_type text,
            record_id uuid,
            status text NOT NULL CHECK (status IN ('APPLIED', 'UNCHANGED', 'SKIPPED', 'ERROR')),
            detail text,
            at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, connection_id) REFERENCES sync_connection (tenant_id, id)
        )""")
    op.execute("CREATE INDEX sync_log_connection_idx ON sync_log (tenant_id, connection_id, at)")
    # The scheduler finds tenants with a sync due without seeing their rows.
    op.execute("""
        CREATE FUNCTION sync_due_tenants(at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT DISTINCT tenant_id FROM sync_connection WHERE enabled AND deleted_at IS NULL AND next_run_at <= at $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION sync_due_tenants(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION sync_due_tenants(timestamptz) TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS sync_due_tenants(timestamptz)")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
