"""When each lifecycle journey first reached each stage: the lifecycle funnel's pre-aggregate.

A journey is a customer with the leads converted into it, or a lead not converted (the journey's
id is the customer's, else the lead's). `lifecycle_reach` holds, per journey and stage rank r
(1 = LEAD ... 6 = ADVOCATE), the earliest transition into stage r or a later one among the
journey's records that are not deleted. A journey "newly reached" stage r in a window exactly when
that instant falls in the window (reaching a later stage counts for the stages skipped), so the
funnel of a tenant's whole data is one index range scan instead of grouping every transition by
journey (docs/performance.md, "Reports").

Only the funnel of a reader who sees every lead and customer (an admin) reads it; anyone else's
funnel is computed from the transitions they may see. Triggers keep it exact on every path:
a new transition lowers the journey's instants (one upsert); a changed or removed transition, a
lead converted, re-pointed (merges) or (un)deleted, a customer (un)deleted, and hard deletes
recompute the journeys concerned from the transitions. The stage list is LIFECYCLE_STAGES
(domain/crm/lifecycle.py); changing it needs a migration that recreates these functions.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
STAGES = "ARRAY['LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'ADVOCATE']::text[]"

# Every (journey, rank) of the journeys in p_journeys, from their records that are not deleted.
REFRESH = f"""
CREATE FUNCTION lifecycle_reach_refresh(p_tenant uuid, p_journeys uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM lifecycle_reach WHERE tenant_id = p_tenant AND journey_id = ANY(p_journeys);
    INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
    SELECT p_tenant, m.journey, r.rank, min(m.changed_at)
    FROM (
        SELECT coalesce(l.converted_customer_id, l.id) AS journey, lt.changed_at,
               array_position({STAGES}, lt.to_stage) AS stage_rank
        FROM lead l JOIN lifecycle_transition lt
          ON lt.tenant_id = l.tenant_id AND lt.record_id = l.id AND lt.record_type = 'Lead'
        WHERE l.tenant_id = p_tenant AND l.deleted_at IS NULL
          AND ((l.converted_customer_id IS NULL AND l.id = ANY(p_journeys))
               OR l.converted_customer_id = ANY(p_journeys))
        UNION ALL
        SELECT c.id, lt.changed_at, array_position({STAGES}, lt.to_stage)
        FROM customer c JOIN lifecycle_transition lt
          ON lt.tenant_id = c.tenant_id AND lt.record_id = c.id AND lt.record_type = 'Customer'
        WHERE c.tenant_id = p_tenant AND c.deleted_at IS NULL AND c.id = ANY(p_journeys)
    ) m JOIN generate_series(1, cardinality({STAGES})) AS r(rank) ON r.rank <= m.stage_rank
    GROUP BY m.journey, r.rank;
END $$"""

# The journey a transition belongs to (its lead's customer once converted); a lead that no longer
# exists keeps its own id, which matches no row and so only clears what it left.
_JOURNEY_OF = (
    "CASE WHEN x.record_type = 'Lead' THEN coalesce((SELECT coalesce(l.converted_customer_id, l.id) "
    "FROM lead l WHERE l.tenant_id = x.tenant_id AND l.id = x.record_id), x.record_id) ELSE x.record_id END"
)

ON_NEW_TRANSITIONS = f"""
CREATE FUNCTION lifecycle_reach_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
    SELECT x.tenant_id, j.journey, r.rank, min(x.changed_at)
    FROM new_rows x
    JOIN LATERAL (
        SELECT coalesce(l.converted_customer_id, l.id) AS journey FROM lead l
        WHERE x.record_type = 'Lead' AND l.tenant_id = x.tenant_id AND l.id = x.record_id AND l.deleted_at IS NULL
        UNION ALL
        SELECT c.id FROM customer c
        WHERE x.record_type = 'Customer' AND c.tenant_id = x.tenant_id AND c.id = x.record_id AND c.deleted_at IS NULL
    ) j ON true
    JOIN generate_series(1, cardinality({STAGES})) AS r(rank) ON r.rank <= array_position({STAGES}, x.to_stage)
    GROUP BY x.tenant_id, j.journey, r.rank
    ON CONFLICT (tenant_id, journey_id, rank) DO UPDATE
        SET reached_at = least(lifecycle_reach.reached_at, EXCLUDED.reached_at);
    RETURN NULL;
END $$"""


def _on_transitions(name: str, tables: tuple[str, ...]) -> str:
    """Changed or removed transitions: recompute their journeys (old rows and new rows)."""
    rows = " UNION ".join(f"SELECT tenant_id, record_type, record_id FROM {t}" for t in tables)
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    affected record;
BEGIN
    FOR affected IN
        SELECT x.tenant_id, array_agg(DISTINCT {_JOURNEY_OF}) AS journeys
        FROM ({rows}) x GROUP BY x.tenant_id
    LOOP
        PERFORM lifecycle_reach_refresh(affected.tenant_id, affected.journeys);
    END LOOP;
    RETURN NULL;
END $$"""


# A lead's or customer's membership in a journey changed (conversion, merge, delete, restore).
ON_RECORD = """
CREATE FUNCTION lifecycle_reach_on_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only its own table's columns (plpgsql resolves them when it runs a line).
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'lead' THEN
        PERFORM lifecycle_reach_refresh(OLD.tenant_id, ARRAY[coalesce(OLD.converted_customer_id, OLD.id)]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM lifecycle_reach_refresh(OLD.tenant_id, ARRAY[OLD.id]);
    ELSIF TG_TABLE_NAME = 'lead' THEN
        PERFORM lifecycle_reach_refresh(NEW.tenant_id,
            ARRAY[coalesce(OLD.converted_customer_id, OLD.id), coalesce(NEW.converted_customer_id, NEW.id)]);
    ELSE
        PERFORM lifecycle_reach_refresh(NEW.tenant_id, ARRAY[OLD.id, NEW.id]);
    END IF;
    RETURN NULL;
END $$"""

BACKFILL = f"""
INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at)
SELECT m.tenant_id, m.journey, r.rank, min(m.changed_at)
FROM (
    SELECT l.tenant_id, coalesce(l.converted_customer_id, l.id) AS journey, lt.changed_at,
           array_position({STAGES}, lt.to_stage) AS stage_rank
    FROM lead l JOIN lifecycle_transition lt
      ON lt.tenant_id = l.tenant_id AND lt.record_id = l.id AND lt.record_type = 'Lead'
    WHERE l.tenant_id = {_TENANT} AND l.deleted_at IS NULL
    UNION ALL
    SELECT c.tenant_id, c.id, lt.changed_at, array_position({STAGES}, lt.to_stage)
    FROM customer c JOIN lifecycle_transition lt
      ON lt.tenant_id = c.tenant_id AND lt.record_id = c.id AND lt.record_type = 'Customer'
    WHERE c.tenant_id = {_TENANT} AND c.deleted_at IS NULL
) m JOIN generate_series(1, cardinality({STAGES})) AS r(rank) ON r.rank <= m.stage_rank
GROUP BY m.tenant_id, m.journey, r.rank
"""


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE lifecycle_reach (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            journey_id uuid NOT NULL,
            rank smallint NOT NULL,
            reached_at timestamptz NOT NULL,
            PRIMARY KEY (tenant_id, journey_id, rank)
        )""")
    # The funnel counts a window's rows per rank from the index alone.
    op.execute(
        "CREATE INDEX lifecycle_reach_time_idx ON lifecycle_reach (tenant_id, reached_at) INCLUDE (rank)"
    )
    # Recomputing a customer's journey finds the leads converted into it through
    # lead_converted_customer_idx (migration 0032).
    role = _app_role()
    op.execute("ALTER TABLE lifecycle_reach ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE lifecycle_reach FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON lifecycle_reach USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    # The application writes it only through the triggers, which run as the writing role.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON lifecycle_reach TO {role}")
    for function in (
        REFRESH,
        ON_NEW_TRANSITIONS,
        _on_transitions("lifecycle_reach_on_change", ("old_rows", "new_rows")),
        _on_transitions("lifecycle_reach_on_delete", ("old_rows",)),
    ):
        op.execute(function)
    op.execute(ON_RECORD)
    op.execute(
        "CREATE TRIGGER lifecycle_reach_insert AFTER INSERT ON lifecycle_transition "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lifecycle_reach_on_insert()"
    )
    op.execute(
        "CREATE TRIGGER lifecycle_reach_update AFTER UPDATE ON lifecycle_transition "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION lifecycle_reach_on_change()"
    )
    op.execute(
        "CREATE TRIGGER lifecycle_reach_delete AFTER DELETE ON lifecycle_transition "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lifecycle_reach_on_delete()"
    )
    op.execute(
        "CREATE TRIGGER lifecycle_reach_membership AFTER UPDATE OF converted_customer_id, deleted_at ON lead "
        "FOR EACH ROW WHEN (OLD.converted_customer_id IS DISTINCT FROM NEW.converted_customer_id "
        "OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) EXECUTE FUNCTION lifecycle_reach_on_record()"
    )
    op.execute(
        "CREATE TRIGGER lifecycle_reach_membership AFTER UPDATE OF deleted_at ON customer "
        "FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) "
        "EXECUTE FUNCTION lifecycle_reach_on_record()"
    )
    for table in ("lead", "customer"):
        op.execute(
            f"CREATE TRIGGER lifecycle_reach_removal AFTER DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lifecycle_reach_on_record()"
        )
    connection = op.get_bind()
    for (tenant_id,) in connection.execute(sa.text("SELECT id FROM tenant")).fetchall():
        connection.execute(
            sa.text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )
        connection.execute(sa.text(BACKFILL))
    connection.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    for table in ("lead", "customer"):
        op.execute(f"DROP TRIGGER IF EXISTS lifecycle_reach_removal ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS lifecycle_reach_membership ON {table}")
    for trigger in ("lifecycle_reach_insert", "lifecycle_reach_update", "lifecycle_reach_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON lifecycle_transition")
    for function in (
        "lifecycle_reach_on_record()",
        "lifecycle_reach_on_delete()",
        "lifecycle_reach_on_change()",
        "lifecycle_reach_on_insert()",
        "lifecycle_reach_refresh(uuid, uuid[])",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP TABLE IF EXISTS lifecycle_reach")
