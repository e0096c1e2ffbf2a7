"""New leads and customers record their first lifecycle transition once per statement instead of
once per row: a bulk create or an import of a thousand leads writes its thousand transitions in one
INSERT, and the lifecycle funnel's pre-aggregate (0033) is kept by one trigger run instead of a
thousand (bench/import.py). Changes of `lifecycle_stage` keep the row trigger of 0022.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-02
"""

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

TABLES = (("lead", "Lead"), ("customer", "Customer"))


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION record_lifecycle_transitions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
            SELECT n.tenant_id, gen_random_uuid(), TG_ARGV[0], n.id, NULL, n.lifecycle_stage, now(),
                   coalesce(n.updated_by, n.created_by)
            FROM new_rows n WHERE n.lifecycle_stage IS NOT NULL;
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
