"""Indexes for the default order of every list (created_at, then id), so an unfiltered or lightly
filtered first page is an index scan, not a sort of the whole tenant.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "lead_created_idx": "lead (tenant_id, created_at, id)",
    "opportunity_created_idx": "opportunity (tenant_id, created_at, id)",
    "ticket_created_idx": "ticket (tenant_id, created_at, id)",
    "campaign_created_idx": "campaign (tenant_id, created_at, id)",
    "activity_occurred_idx": "activity (tenant_id, occurred_at, id)",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
