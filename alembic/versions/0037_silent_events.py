"""Silent events: an import that switched automations and webhooks off still writes its records'
events (the audit trail's twin, read by sync and reports), marked `silent`, and the dispatcher
hands them to neither automation rules nor webhook endpoints (docs/data.md).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-02
"""

from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE outbox_event ADD COLUMN silent boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE outbox_event DROP COLUMN IF EXISTS silent")
