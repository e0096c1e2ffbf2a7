"""Integrations, inbound side: external ids of any record, inbound endpoints (signed webhooks and
public web forms) and the log of every request they receive.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from alembic import op

revision = "0010"
down_revision = "0009"
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
TABLES = ("external_id", "inbound_endpoint", "inbound_request")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    # One row per (record type, system, id in that system): the same external record maps to one
    # Tessera record, and a record may carry ids of several systems.
    op.execute("""
        CREATE TABLE external_id (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            record_type text NOT NULL,
            system text NOT NULL CHECK (length(system) BETWEEN 1 AND 50),
            external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
            record_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, record_type, system, external_id)
        )""")
    op.execute(
        "CREATE INDEX external_id_record_idx ON external_id (tenant_id, record_type, record_id)"
    )
    op.execute(f"""
        CREATE TABLE inbound_endpoint (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            kind text NOT NULL CHECK (kind IN ('WEBHOOK', 'FORM')),
            object text NOT NULL,
            mapping jsonb NOT NULL,
            verification text CHECK (verification IN ('STANDARD', 'HMAC')),
            signature_header text,
            secret text,
            honeypot text,
            rate_per_minute integer NOT NULL DEFAULT 60 CHECK (rate_per_minute BETWEEN 1 AND 10000),
            enabled boolean NOT NULL DEFAULT true,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute("""
        CREATE TABLE inbound_request (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            endpoint_id uuid NOT NULL,
            message_id text,
            received_at timestamptz NOT NULL DEFAULT now(),
            content_type text,
            body text NOT NULL,
            status text NOT NULL CHECK (status IN ('ACCEPTED', 'PROCESSED', 'FAILED', 'REJECTED')),
            error text,
            record_type text,
            record_id uuid,
            processed_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, endpoint_id) REFERENCES inbound_endpoint (tenant_id, id)
        )""")
    # The replay guard: the same message id on the same endpoint is accepted once.
    op.execute(
        "CREATE UNIQUE INDEX inbound_request_message_key ON inbound_request (tenant_id, endpoint_id, message_id) "
        "WHERE message_id IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX inbound_request_endpoint_idx ON inbound_request (tenant_id, endpoint_id, received_at)"
    )
    # A request arrives at /hooks/<id> without credentials; the id encodes the tenant and the
    # endpoint, so finding the endpoint never needs to look across tenants.
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
