"""Automation rules engine: rules, their runs (one per rule and event: the exactly-once key), the
counters behind round-robin assignment, in-app notifications, timers of waiting runs, and the rule
that caused an event.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from alembic import op

revision = "0008"
down_revision = "0007"
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
TABLES = (
    "automation_rule",
    "automation_run",
    "automation_counter",
    "notification",
    "automation_timer",
)


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE automation_rule (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            object text NOT NULL,
            trigger jsonb NOT NULL,
            conditions jsonb,
            actions jsonb NOT NULL,
            enabled boolean NOT NULL DEFAULT true,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX automation_rule_object_idx ON automation_rule (tenant_id, object) WHERE deleted_at IS NULL"
    )
    op.execute("""
        CREATE TABLE automation_run (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            rule_id uuid NOT NULL,
            rule_version integer NOT NULL,
            event_id uuid NOT NULL,
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            status text NOT NULL CHECK (status IN ('SUCCEEDED', 'FAILED', 'SKIPPED', 'WAITING')),
            reason text,
            steps jsonb NOT NULL DEFAULT '[]',
            depth integer NOT NULL DEFAULT 0,
            started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            finished_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, rule_id, event_id),
            FOREIGN KEY (tenant_id, rule_id) REFERENCES automation_rule (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX automation_run_rule_idx ON automation_run (tenant_id, rule_id, started_at)"
    )
    op.execute("""
        CREATE TABLE automation_counter (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            key text NOT NULL,
            value bigint NOT NULL,
            PRIMARY KEY (tenant_id, key)
        )""")
    op.execute("""
        CREATE TABLE notification (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            user_id uuid NOT NULL,
            title text NOT NULL,
            body text,
            record_type text,
            record_id uuid,
            rule_id uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            read_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id)
        )""")
    op.execute(
        "CREATE INDEX notification_user_idx ON notification (tenant_id, user_id, created_at)"
    )
    # A run waiting ("wait 7 days, then ...") until the scheduler resumes it; the actions it will
    # continue with are kept, so it finishes on the rule version it started with.
    op.execute("""
        CREATE TABLE automation_timer (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            run_id uuid NOT NULL,
            due_at timestamptz NOT NULL,
            next_step integer NOT NULL,
            actions jsonb NOT NULL,
            fired_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, run_id) REFERENCES automation_run (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX automation_timer_due_idx ON automation_timer (tenant_id, due_at) WHERE fired_at IS NULL"
    )
    # The scheduler must find which tenants have time-based work without seeing their rows: this
    # function (running as the owner) reveals tenant ids only.
    op.execute("""
        CREATE FUNCTION automation_scheduled_tenants() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT tenant_id FROM automation_rule WHERE enabled AND deleted_at IS NULL
                AND trigger->>'on' IN ('date', 'idle', 'schedule')
              UNION SELECT tenant_id FROM automation_timer WHERE fired_at IS NULL $$""")
    # Which rule's actions made a change: a rule never reacts to its own changes.
    op.execute("ALTER TABLE outbox_event ADD COLUMN caused_by_rule uuid")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION automation_scheduled_tenants() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION automation_scheduled_tenants() TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS automation_scheduled_tenants()")
    op.execute("ALTER TABLE outbox_event DROP COLUMN IF EXISTS caused_by_rule")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
