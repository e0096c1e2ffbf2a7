"""Automation retries: a run whose step failed waits (RETRYING) for its next attempt, counted on
the run, before it stops as FAILED.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE automation_run ADD COLUMN attempts integer NOT NULL DEFAULT 1")
    op.execute("ALTER TABLE automation_run DROP CONSTRAINT automation_run_status_check")
    op.execute(
        "ALTER TABLE automation_run ADD CONSTRAINT automation_run_status_check "
        "CHECK (status IN ('SUCCEEDED', 'FAILED', 'SKIPPED', 'WAITING', 'RETRYING'))"
    )


def downgrade() -> None:
    op.execute("UPDATE automation_run SET status = 'FAILED' WHERE status = 'RETRYING'")
    op.execute("ALTER TABLE automation_run DROP CONSTRAINT automation_run_status_check")
    op.execute(
        "ALTER TABLE automation_run ADD CONSTRAINT automation_run_status_check "
        "CHECK (status IN ('SUCCEEDED', 'FAILED', 'SKIPPED', 'WAITING'))"
    )
    op.execute("ALTER TABLE automation_run DROP COLUMN attempts")
