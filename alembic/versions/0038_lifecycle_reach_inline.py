"""The lifecycle funnel's pre-aggregate (0033) kept at a fraction of the cost on bulk writes.

0033 updated `lifecycle_reach` from a statement-level trigger on `lifecycle_transition`, which
fired once for every transition the lead and customer trigger inserts (one statement per row): it
made inserting leads about three times slower (20,000 leads: 4.4 s -> 12.7 s on the shared
development machine). Now the lead and customer trigger that records a transition also lowers
its journey's instants itself (it has the row at hand: no lookup), and the trigger on
`lifecycle_transition` is a row trigger that runs only for transitions written directly (a
back-fill, an operator's script): `pg_trigger_depth() = 0`, so not for those the record trigger
writes. Changed and removed transitions, conversions, merges and deletes still recompute their
journeys as 0033 set up.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-02
"""

from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

STAGES = "ARRAY['LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'ADVOCATE']::text[]"
_UPSERT = (
    "ON CONFLICT (tenant_id, journey_id, rank) DO UPDATE "
    "SET reached_at = least(lifecycle_reach.reached_at, EXCLUDED.reached_at)"
)

# 0022's function, plus the journey's instants (each branch names only its own table's columns:
# plpgsql resolves a line's fields when it runs it).
RECORD_TRIGGER = f"""
CREATE OR REPLACE FUNCTION record_lifecycle_transition() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    journey uuid;
BEGIN
    IF NEW.lifecycle_stage IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage) THEN
        INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
        VALUES (NEW.tenant_id, gen_random_uuid(), TG_ARGV[0], NEW.id,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_stage END, NEW.lifecycle_stage, now(),
                coalesce(NEW.updated_by, NEW.created_by));
        IF NEW.deleted_at IS NULL THEN
            IF TG_ARGV[0] = 'Lead' THEN
                journey := coalesce(NEW.converted_customer_id, NEW.id);
            ELSE
                journey := NEW.id;
            END IF;
            INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
            SELECT NEW.tenant_id, journey, r, now()
            FROM generate_series(1, coalesce(array_position({STAGES}, NEW.lifecycle_stage), 0)) AS r
            {_UPSERT};
        END IF;
    END IF;
    RETURN NULL;
END $$"""

DIRECT_TRANSITION = f"""
CREATE FUNCTION lifecycle_reach_on_direct_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    journey uuid;
BEGIN
    IF NEW.record_type = 'Lead' THEN
        SELECT coalesce(l.converted_customer_id, l.id) INTO journey FROM lead l
        WHERE l.tenant_id = NEW.tenant_id AND l.id = NEW.record_id AND l.deleted_at IS NULL;
    ELSE
        SELECT c.id INTO journey FROM customer c
        WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.record_id AND c.deleted_at IS NULL;
    END IF;
    IF journey IS NOT NULL THEN
        INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
        SELECT NEW.tenant_id, journey, r, NEW.changed_at
        FROM generate_series(1, coalesce(array_position({STAGES}, NEW.to_stage), 0)) AS r
        {_UPSERT};
    END IF;
    RETURN NULL;
END $$"""

# 0022's function as it was, for the downgrade.
ORIGINAL_RECORD_TRIGGER = """
CREATE OR REPLACE FUNCTION record_lifecycle_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.lifecycle_stage IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.lifecycle_stage IS DISTINCT FROM OLD.lifecycle_stage) THEN
        INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
        VALUES (NEW.tenant_id, gen_random_uuid(), TG_ARGV[0], NEW.id,
                CASE WHEN TG_OP = 'UPDATE' THEN OLD.lifecycle_stage END, NEW.lifecycle_stage, now(),
                coalesce(NEW.updated_by, NEW.created_by));
    END IF;
    RETURN NULL;
END $$"""


def upgrade() -> None:
    op.execute("DROP TRIGGER lifecycle_reach_insert ON lifecycle_transition")
    op.execute(RECORD_TRIGGER)
    op.execute(DIRECT_TRANSITION)
    op.execute(
        "CREATE TRIGGER lifecycle_reach_insert AFTER INSERT ON lifecycle_transition FOR EACH ROW "
        "WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION lifecycle_reach_on_direct_insert()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER lifecycle_reach_insert ON lifecycle_transition")
    op.execute("DROP FUNCTION lifecycle_reach_on_direct_insert()")
    op.execute(ORIGINAL_RECORD_TRIGGER)
    op.execute(
        "CREATE TRIGGER lifecycle_reach_insert AFTER INSERT ON lifecycle_transition "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lifecycle_reach_on_insert()"
    )
