"""Events published to the queue but never delivered (redis lost them: a restart without
persistence, a failover) go back to the outbox after a grace period, so the relay sends them
again. A watermark keeps each event checked once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("CREATE INDEX outbox_event_seq_idx ON outbox_event (seq)")
    # Not tenant data: one row, read and written only by the function below (as the owner).
    op.execute(
        "CREATE TABLE outbox_watermark (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), seq bigint NOT NULL)"
    )
    op.execute("""
        CREATE FUNCTION outbox_requeue_undelivered(grace interval, batch integer) RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
        AS $$
        DECLARE
            mark bigint;
            top bigint;
            blocked bigint;
            requeued integer;
        BEGIN
            INSERT INTO outbox_watermark (seq) VALUES (0) ON CONFLICT DO NOTHING;
            SELECT seq INTO mark FROM outbox_watermark FOR UPDATE;
            -- The first event after the mark that cannot be judged yet (not published, or too recent)
            -- stops the stretch: the mark only moves over events old enough to have been delivered.
            SELECT min(seq) INTO blocked FROM (SELECT seq, published_at, occurred_at FROM outbox_event
                WHERE seq > mark ORDER BY seq LIMIT batch) recent
                WHERE published_at IS NULL OR published_at > now() - grace OR occurred_at > now() - grace;
            SELECT coalesce(blocked - 1, max(seq)) INTO top FROM (SELECT seq FROM outbox_event WHERE seq > mark
                ORDER BY seq LIMIT batch) recent;
            IF top IS NULL OR top <= mark THEN
                RETURN 0;
            END IF;
            UPDATE outbox_event e SET published_at = NULL WHERE e.seq > mark AND e.seq <= top
                AND NOT EXISTS (SELECT 1 FROM event_delivery d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id);
            GET DIAGNOSTICS requeued = ROW_COUNT;
            UPDATE outbox_watermark SET seq = top;
            RETURN requeued;
        END $$""")
    role = _app_role()
    op.execute("REVOKE ALL ON FUNCTION outbox_requeue_undelivered(interval, integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION outbox_requeue_undelivered(interval, integer) TO {role}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS outbox_requeue_undelivered(interval, integer)")
    op.execute("DROP TABLE IF EXISTS outbox_watermark")
    op.execute("DROP INDEX IF EXISTS outbox_event_seq_idx")
