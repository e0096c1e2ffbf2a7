"""Scheduled delivery of saved reports by e-mail: a schedule (daily or weekly, at an hour of the
tenant's zone, to members of the tenant) and one delivery row per schedule, period and recipient,
whose key makes `tessera scheduler` send each period's mail once (docs/reports.md).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-02
"""

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
TABLES = ("report_schedule", "report_delivery")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE report_schedule (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            report_id uuid NOT NULL,
            owner_id uuid NOT NULL,
            frequency text NOT NULL CHECK (frequency IN ('DAILY', 'WEEKLY')),
            weekday smallint CHECK (weekday BETWEEN 0 AND 6),
            hour smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
            recipient_ids uuid[] NOT NULL,
            next_run_at timestamptz NOT NULL,
            last_run_at timestamptz,
            last_error text,
            version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, report_id) REFERENCES saved_report (tenant_id, id),
            CHECK ((frequency = 'WEEKLY') = (weekday IS NOT NULL))
        )""")
    op.execute(
        "CREATE INDEX report_schedule_due_idx ON report_schedule (tenant_id, next_run_at) WHERE deleted_at IS NULL"
    )
    op.execute(
        "CREATE INDEX report_schedule_report_idx ON report_schedule (tenant_id, report_id) WHERE deleted_at IS NULL"
    )
    op.execute("""
        CREATE TABLE report_delivery (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            schedule_id uuid NOT NULL,
            period text NOT NULL,
            recipient_id uuid NOT NULL,
            status text NOT NULL CHECK (status IN ('SENT', 'FAILED', 'SKIPPED')),
            detail text,
            rows integer,
            at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, schedule_id, period, recipient_id),
            FOREIGN KEY (tenant_id, schedule_id) REFERENCES report_schedule (tenant_id, id)
        )""")
    # The scheduler's question, across tenants, before it opens any tenant's transaction.
    op.execute("""
        CREATE FUNCTION report_schedule_due_tenants(at timestamptz) RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
        AS $$ SELECT t.id FROM tenant t WHERE EXISTS (
                SELECT 1 FROM report_schedule s WHERE s.tenant_id = t.id AND s.deleted_at IS NULL
                AND s.next_run_at <= at) $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION report_schedule_due_tenants(timestamptz) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION report_schedule_due_tenants(timestamptz) TO {role}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS report_schedule_due_tenants(timestamptz)")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table}")
