"""Outgoing webhooks (Standard Webhooks v1): endpoints with their secrets (the previous one kept
through a rotation's overlap), one delivery per (endpoint, event), and every attempt of each.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from alembic import op

revision = "0011"
down_revision = "0010"
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
TABLES = ("webhook_endpoint", "webhook_delivery", "webhook_attempt")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE webhook_endpoint (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
            description text,
            event_types text[] NOT NULL,
            enabled boolean NOT NULL DEFAULT true,
            disabled_reason text,
            secret text,  -- set right after the insert, outside the audited columns
            previous_secret text,
            previous_secret_until timestamptz,
            failing_since timestamptz,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute("""
        CREATE TABLE webhook_delivery (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            endpoint_id uuid NOT NULL,
            event_id uuid,
            event_type text NOT NULL,
            payload jsonb NOT NULL,
            status text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED')),
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz,
            last_status_code integer,
            last_error text,
            created_at timestamptz NOT NULL DEFAULT now(),
            delivered_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoint (tenant_id, id)
        )""")
    # One delivery per endpoint and event, however often the event itself is delivered to us.
    op.execute(
        "CREATE UNIQUE INDEX webhook_delivery_event_key ON webhook_delivery (tenant_id, endpoint_id, event_id) "
        "WHERE event_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (tenant_id, next_attempt_at) WHERE status = 'PENDING'"
    )
    op.execute(
        "CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (tenant_id, endpoint_id, created_at)"
    )
    op.execute("""
        CREATE TABLE webhook_attempt (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            delivery_id uuid NOT NULL,
            attempted_at timestamptz NOT NULL DEFAULT now(),
            status_code integer,
            response_ms real,
            response_body text,
            error text,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_delivery (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (tenant_id, delivery_id, attempted_at)"
    )
    # The sender (in `tessera scheduler`) finds tenants with deliveries due without seeing rows.
    op.execute("""
        CREATE FUNCTION webhook_due_tenants(at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT DISTINCT tenant_id FROM webhook_delivery WHERE status = 'PENDING' AND next_attempt_at <= at $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION webhook_due_tenants(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION webhook_due_tenants(timestamptz) TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS webhook_due_tenants(timestamptz)")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
