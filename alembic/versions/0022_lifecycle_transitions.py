"""Lifecycle transitions: every change of a lead's or a customer's lifecycle stage, with its time
and actor, for the lifecycle funnel (docs/reports.md).

A trigger on `lead` and `customer` writes them, so every path that changes a stage records it:
the API's writes, lead conversion, won deals advancing their customer, and whatever later writes
those tables (imports, merges, syncs) without each remembering to. Transitions from before this
migration are back-filled from the audit trail (`lifecycleStage` changes, `lifecycle_stage` in
entries written since migration 0039); records whose stage
never appears there get one transition into their current stage at their creation. The back-fill
runs tenant by tenant with the tenant set, so row-level security lets it through whatever the
owner role's attributes, and it only fills records that have no transition yet.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"

_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
BACKFILL = (
    """
INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
SELECT a.tenant_id, gen_random_uuid(), a.record_type, a.record_id, a.stage ->> 0, a.stage ->> 1,
       a.occurred_at, a.actor_id
FROM (SELECT *, coalesce(changes -> 'lifecycle_stage', changes -> 'lifecycleStage') AS stage
      FROM audit_event) a
WHERE a.record_type IN ('Lead', 'Customer') AND a.stage IS NOT NULL
  AND a.stage ->> 1 IS NOT NULL AND a.tenant_id = {tenant}
  AND NOT EXISTS (SELECT 1 FROM lifecycle_transition x WHERE x.tenant_id = a.tenant_id AND x.record_id = a.record_id)
""",
    """
INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
SELECT r.tenant_id, gen_random_uuid(), r.record_type, r.id, NULL, r.lifecycle_stage, r.created_at, r.created_by
FROM (SELECT tenant_id, id, 'Lead' AS record_type, lifecycle_stage, created_at, created_by FROM lead
      UNION ALL SELECT tenant_id, id, 'Customer', lifecycle_stage, created_at, created_by FROM customer) r
WHERE r.lifecycle_stage IS NOT NULL AND r.tenant_id = {tenant}
  AND NOT EXISTS (SELECT 1 FROM lifecycle_transition x WHERE x.tenant_id = r.tenant_id AND x.record_id = r.id)
""",
)


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE lifecycle_transition (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            record_type text NOT NULL CHECK (record_type IN ('Lead', 'Customer')),
            record_id uuid NOT NULL,
            from_stage text,
            to_stage text NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now(),
            changed_by uuid,
            PRIMARY KEY (tenant_id, id)
        )""")
    # The funnel reads a period's transitions, and each record's transitions before it.
    op.execute(
        "CREATE INDEX lifecycle_transition_time_idx ON lifecycle_transition (tenant_id, changed_at, record_type, record_id)"
    )
    op.execute(
        "CREATE INDEX lifecycle_transition_record_idx ON lifecycle_transition (tenant_id, record_id, changed_at)"
    )
    op.execute("""
        CREATE FUNCTION record_lifecycle_transition() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.lifecycle_stage IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage) THEN
                INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
                VALUES (NEW.tenant_id, gen_random_uuid(), TG_ARGV[0], NEW.id,
                        CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_stage END, NEW.lifecycle_stage, now(),
                        coalesce(NEW.updated_by, NEW.created_by));
            END IF;
            RETURN NULL;
        END $$""")
    for table, record_type in (("lead", "Lead"), ("customer", "Customer")):
        op.execute(
            f"CREATE TRIGGER {table}_lifecycle_transition AFTER INSERT OR UPDATE OF lifecycle_stage ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION record_lifecycle_transition('{record_type}')"
        )
    role = _app_role()
    op.execute("ALTER TABLE lifecycle_transition ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE lifecycle_transition FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON lifecycle_transition USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT ON lifecycle_transition TO {role}")
    connection = op.get_bind()
    for (tenant_id,) in connection.execute(sa.text("SELECT id FROM tenant")).fetchall():
        connection.execute(
            sa.text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )
        for statement in BACKFILL:
            connection.execute(sa.text(statement.format(tenant=_TENANT)))
    connection.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    for table in ("lead", "customer"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_lifecycle_transition ON {table}")
    op.execute("DROP FUNCTION IF EXISTS record_lifecycle_transition()")
    op.execute("DROP TABLE IF EXISTS lifecycle_transition")
