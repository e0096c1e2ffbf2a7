"""The event outbox: every record change writes an event in the same transaction; a relay moves
committed events to the queue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    role = _app_role()
    op.execute("""
        CREATE TABLE outbox_event (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            seq bigint GENERATED ALWAYS AS IDENTITY,
            event_type text NOT NULL,
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            actor_id uuid,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            changes jsonb NOT NULL DEFAULT '{}',
            causation_id uuid,
            depth integer NOT NULL DEFAULT 0,
            published_at timestamptz,
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX outbox_event_pending_idx ON outbox_event (tenant_id, seq) WHERE published_at IS NULL"
    )
    op.execute(
        "CREATE INDEX outbox_event_record_idx ON outbox_event (tenant_id, record_type, record_id, seq)"
    )
    op.execute("""
        CREATE TABLE event_delivery (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            event_id uuid NOT NULL,
            consumer text NOT NULL,
            delivered_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, event_id, consumer),
            FOREIGN KEY (tenant_id, event_id) REFERENCES outbox_event (tenant_id, id)
        )""")
    for table in ("outbox_event", "event_delivery"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON outbox_event TO {role}")
    op.execute(f"GRANT SELECT, INSERT ON event_delivery TO {role}")
    # Committed events wake the relay at once (NOTIFY is delivered on commit, never on rollback).
    op.execute("""
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('tessera_outbox', NEW.tenant_id::text);
            RETURN NULL;
        END $$""")
    op.execute(
        "CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event FOR EACH ROW EXECUTE FUNCTION outbox_notify()"
    )
    # The relay must find which tenants have pending events without seeing their rows: this
    # function (running as the owner) reveals tenant ids only.
    op.execute("""
        CREATE FUNCTION outbox_pending_tenants() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT DISTINCT tenant_id FROM outbox_event WHERE published_at IS NULL $$""")
    op.execute("REVOKE ALL ON FUNCTION outbox_pending_tenants() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION outbox_pending_tenants() TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_pending_tenants()")
    op.execute("DROP TABLE IF EXISTS event_delivery CASCADE")
    op.execute("DROP TABLE IF EXISTS outbox_event CASCADE")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
