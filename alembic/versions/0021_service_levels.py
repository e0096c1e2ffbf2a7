"""Service levels: SLA policies (ordered, first match wins), each ticket's running SLA clock with
the history of its due times, and the timers the scheduler fires (warnings, breaches,
escalations), each (ticket, occasion) at most once.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""

from alembic import op

revision = "0021"
down_revision = "0020"
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
TABLES = ("sla_policy", "ticket_sla", "ticket_sla_history", "sla_timer")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE sla_policy (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            position integer NOT NULL,
            conditions jsonb,
            calendar text,  -- a business calendar of the tenant settings; NULL: 24x7
            first_response_minutes integer CHECK (first_response_minutes > 0),
            next_response_minutes integer CHECK (next_response_minutes > 0),
            resolution_minutes integer CHECK (resolution_minutes > 0),
            warning_percent integer NOT NULL DEFAULT 75 CHECK (warning_percent BETWEEN 1 AND 99),
            escalations jsonb NOT NULL DEFAULT '[]',
            enabled boolean NOT NULL DEFAULT true,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX sla_policy_position_idx ON sla_policy (tenant_id, position) WHERE deleted_at IS NULL"
    )
    # One running clock per ticket. Due and warning times are stored, so reading a ticket's SLA
    # compares them with the time and never redoes the calendar arithmetic.
    op.execute("""
        CREATE TABLE ticket_sla (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            ticket_id uuid NOT NULL,
            policy_id uuid,
            policy_version integer,
            calendar text,
            started_at timestamptz NOT NULL,
            first_response_minutes integer,
            next_response_minutes integer,
            resolution_minutes integer,
            warning_percent integer NOT NULL DEFAULT 75,
            escalations jsonb NOT NULL DEFAULT '[]',
            paused_at timestamptz,
            paused_business_seconds double precision NOT NULL DEFAULT 0,
            first_response_due_at timestamptz,
            first_response_warn_at timestamptz,
            first_responded_at timestamptz,
            next_response_since timestamptz,
            next_response_round integer NOT NULL DEFAULT 0,
            next_response_due_at timestamptz,
            next_response_warn_at timestamptz,
            resolution_due_at timestamptz,
            resolution_warn_at timestamptz,
            resolved_at timestamptz,
            breached_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, ticket_id),
            FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id),
            FOREIGN KEY (tenant_id, policy_id) REFERENCES sla_policy (tenant_id, id)
        )""")
    op.execute("""
        CREATE TABLE ticket_sla_history (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            at timestamptz NOT NULL,
            reason text NOT NULL,
            detail text,
            policy_id uuid,
            first_response_due_at timestamptz,
            next_response_due_at timestamptz,
            resolution_due_at timestamptz,
            actor_id uuid,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX ticket_sla_history_idx ON ticket_sla_history (tenant_id, ticket_id, at, id)"
    )
    # Warnings, breaches and escalation levels waiting to fire. An occasion ('resolution.breach',
    # 'next_response.2.warning', 'escalation.1') exists once per ticket: a fired one is kept, so
    # re-targeting or resuming a clock never fires it again.
    op.execute("""
        CREATE TABLE sla_timer (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            ticket_id uuid NOT NULL,
            occasion text NOT NULL,
            due_at timestamptz NOT NULL,
            fired_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, ticket_id, occasion),
            FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX sla_timer_due_idx ON sla_timer (tenant_id, due_at) WHERE fired_at IS NULL"
    )
    # The scheduler must find the tenants with a timer due without seeing their rows: one index
    # probe per tenant, running as the owner, revealing tenant ids only.
    op.execute("""
        CREATE FUNCTION sla_due_tenants(at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT t.id FROM tenant t WHERE EXISTS (
                SELECT 1 FROM sla_timer s WHERE s.tenant_id = t.id AND s.fired_at IS NULL AND s.due_at <= at) $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION sla_due_tenants(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION sla_due_tenants(timestamptz) TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS sla_due_tenants(timestamptz)")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
