"""Approval processes: their definitions (versioned like automation rules), the requests that run
on a copy of the definition they started with, each approver's task and decision, standing
delegations, and the timers of step timeouts that `tessera scheduler` fires.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from alembic import op

revision = "0018"
down_revision = "0017"
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
    "approval_process",
    "approval_request",
    "approval_task",
    "approval_delegation",
    "approval_timer",
)


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE approval_process (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            object text NOT NULL,
            description text,
            entry_criteria jsonb,
            start_mode text NOT NULL CHECK (start_mode IN ('MANUAL', 'AUTOMATIC')),
            lock_all boolean NOT NULL DEFAULT true,
            locked_fields text[] NOT NULL DEFAULT '{{}}',
            on_approved jsonb NOT NULL DEFAULT '[]',
            on_rejected jsonb NOT NULL DEFAULT '[]',
            steps jsonb NOT NULL,
            enabled boolean NOT NULL DEFAULT true,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX approval_process_object_idx ON approval_process (tenant_id, object, created_at) WHERE deleted_at IS NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX approval_process_name_key ON approval_process (tenant_id, object, lower(name)) "
        "WHERE deleted_at IS NULL"
    )
    # A request keeps the definition it started on (`definition`, a copy of the process at
    # `process_version`): changing the process never changes requests under way.
    op.execute("""
        CREATE TABLE approval_request (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            process_id uuid NOT NULL,
            process_version integer NOT NULL,
            definition jsonb NOT NULL,
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            status text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'RECALLED', 'CANCELLED')),
            submitted_by uuid,
            comment text,
            current_step integer,
            round integer NOT NULL DEFAULT 0,
            history jsonb NOT NULL DEFAULT '[]',
            version integer NOT NULL DEFAULT 1,
            submitted_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, process_id) REFERENCES approval_process (tenant_id, id)
        )""")
    # One pending request per record: the database is the last word when two submit at once.
    op.execute(
        "CREATE UNIQUE INDEX approval_request_pending_key ON approval_request (tenant_id, record_id) "
        "WHERE status = 'PENDING'"
    )
    op.execute(
        "CREATE INDEX approval_request_record_idx ON approval_request (tenant_id, record_id, submitted_at)"
    )
    op.execute(
        "CREATE INDEX approval_request_status_idx ON approval_request (tenant_id, status, submitted_at, id)"
    )
    # One row per approver and entry into a step (`round` counts entries, so a step entered again
    # after "back to the previous step" gets fresh tasks): who was asked, who decided, for whom.
    op.execute("""
        CREATE TABLE approval_task (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            request_id uuid NOT NULL,
            step_index integer NOT NULL,
            round integer NOT NULL,
            approver_id uuid NOT NULL,
            status text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CLOSED', 'REASSIGNED')),
            decided_by uuid,
            on_behalf_of uuid,
            comment text,
            created_at timestamptz NOT NULL DEFAULT now(),
            decided_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, request_id, round, approver_id),
            FOREIGN KEY (tenant_id, request_id) REFERENCES approval_request (tenant_id, id),
            FOREIGN KEY (tenant_id, approver_id) REFERENCES membership (tenant_id, user_id)
        )""")
    op.execute(
        "CREATE INDEX approval_task_approver_idx ON approval_task (tenant_id, approver_id, created_at) "
        "WHERE status = 'PENDING'"
    )
    op.execute(
        "CREATE INDEX approval_task_request_idx ON approval_task (tenant_id, request_id, round)"
    )
    op.execute("""
        CREATE TABLE approval_delegation (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            delegator_id uuid NOT NULL,
            delegate_id uuid NOT NULL,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, delegator_id) REFERENCES membership (tenant_id, user_id),
            FOREIGN KEY (tenant_id, delegate_id) REFERENCES membership (tenant_id, user_id),
            CHECK (delegator_id <> delegate_id),
            CHECK (ends_at > starts_at)
        )""")
    op.execute(
        "CREATE INDEX approval_delegation_delegate_idx ON approval_delegation (tenant_id, delegate_id) WHERE revoked_at IS NULL"
    )
    op.execute(
        "CREATE INDEX approval_delegation_delegator_idx ON approval_delegation (tenant_id, delegator_id) "
        "WHERE revoked_at IS NULL"
    )
    # Step timeouts: REMIND, then TIMEOUT (escalate, approve or reject, as the step says), for one
    # entry (`round`) of a request's step. Fired once: claimed with FOR UPDATE SKIP LOCKED and
    # marked fired in the transaction that acts on it.
    op.execute("""
        CREATE TABLE approval_timer (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            request_id uuid NOT NULL,
            round integer NOT NULL,
            kind text NOT NULL CHECK (kind IN ('REMIND', 'TIMEOUT')),
            due_at timestamptz NOT NULL,
            fired_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, request_id, round, kind),
            FOREIGN KEY (tenant_id, request_id) REFERENCES approval_request (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX approval_timer_tenant_due_idx ON approval_timer (tenant_id, due_at) WHERE fired_at IS NULL"
    )
    # The scheduler's scan over every tenant: only unfired timers, by due time.
    op.execute(
        "CREATE INDEX approval_timer_due_idx ON approval_timer (due_at) WHERE fired_at IS NULL"
    )
    op.execute("""
        CREATE FUNCTION approval_due_tenants(at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT DISTINCT tenant_id FROM approval_timer WHERE fired_at IS NULL AND due_at <= at $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION approval_due_tenants(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION approval_due_tenants(timestamptz) TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS approval_due_tenants(timestamptz)")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
