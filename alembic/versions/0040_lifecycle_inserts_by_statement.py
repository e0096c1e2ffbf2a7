"""New leads and customers record their first lifecycle transition, and their journey's instants
in the lifecycle funnel's pre-aggregate (as 0038 does per row), once per statement instead of once
per row: a bulk create or an import of a thousand leads writes its thousand transitions in one
INSERT and its reach rows in one upsert (bench/import.py). Changes of `lifecycle_stage` keep the
row trigger (0022, with 0038's reach upkeep). The transitions written here are not "direct" ones
(trigger depth 1), so 0038's trigger on lifecycle_transition leaves them alone.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-02
"""

from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

TABLES = (("lead", "Lead"), ("customer", "Customer"))
STAGES = "ARRAY['LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'ADVOCATE']::text[]"  # as 0033
UPSERT = (
    "ON CONFLICT (tenant_id, journey_id, rank) DO UPDATE "
    "SET reached_at = least(lifecycle_reach.reached_at, EXCLUDED.reached_at)"
)


def upgrade() -> None:
    op.execute(f"""
        CREATE FUNCTION record_lifecycle_transitions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
            SELECT n.tenant_id, gen_random_uuid(), TG_ARGV[0], n.id, NULL, n.lifecycle_stage, now(),
                   coalesce(n.updated_by, n.created_by)
            FROM new_rows n WHERE n.lifecycle_stage IS NOT NULL;
            -- Each branch names only its own table's columns (plpgsql resolves a line when it runs it).
            IF TG_ARGV[0] = 'Lead' THEN
                INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
                SELECT n.tenant_id, coalesce(n.converted_customer_id, n.id), r, min(now())
                FROM new_rows n, generate_series(1, coalesce(array_position({STAGES}, n.lifecycle_stage), 0)) AS r
                WHERE n.lifecycle_stage IS NOT NULL AND n.deleted_at IS NULL
                GROUP BY 1, 2, 3
                {UPSERT};
            ELSE
                INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
                SELECT n.tenant_id, n.id, r, min(now())
                FROM new_rows n, generate_series(1, coalesce(array_position({STAGES}, n.lifecycle_stage), 0)) AS r
                WHERE n.lifecycle_stage IS NOT NULL AND n.deleted_at IS NULL
                GROUP BY 1, 2, 3
                {UPSERT};
            END IF;
            RETURN NULL;
        END $$""")
    for table, record_type in TABLES:
        op.execute(f"DROP TRIGGER {table}_lifecycle_transition ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_lifecycle_transition AFTER UPDATE OF lifecycle_stage ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION record_lifecycle_transition('{record_type}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_lifecycle_inserted AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION record_lifecycle_transitions_inserted('{record_type}')"
        )


def downgrade() -> None:
    for table, record_type in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_lifecycle_inserted ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_lifecycle_transition ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_lifecycle_transition AFTER INSERT OR UPDATE OF lifecycle_stage ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION record_lifecycle_transition('{record_type}')"
        )
    op.execute("DROP FUNCTION IF EXISTS record_lifecycle_transitions_inserted()")
