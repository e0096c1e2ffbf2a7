"""Stage rules of pipelines (fields a stage requires, the stages each stage may move to, off until
a pipeline enforces them), and the index that lets time-based rules ask "has this rule already run
for this record since ..." with one index probe per record.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE pipeline ADD COLUMN enforce_stage_rules boolean NOT NULL DEFAULT false")
    op.execute("ALTER TABLE stage ADD COLUMN required_fields text[] NOT NULL DEFAULT '{}'")
    # NULL: any stage of the pipeline; a list: only those (ids of stages of the same pipeline).
    op.execute("ALTER TABLE stage ADD COLUMN allowed_next_stage_ids uuid[]")
    op.execute(
        "CREATE INDEX automation_run_record_idx ON automation_run (tenant_id, rule_id, record_id, started_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS automation_run_record_idx")
    op.execute("ALTER TABLE stage DROP COLUMN IF EXISTS allowed_next_stage_ids")
    op.execute("ALTER TABLE stage DROP COLUMN IF EXISTS required_fields")
    op.execute("ALTER TABLE pipeline DROP COLUMN IF EXISTS enforce_stage_rules")
