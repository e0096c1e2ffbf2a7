"""Whether a lead's conversion linked an existing customer and contact (given, or found by the
duplicate rules) instead of creating them.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE lead ADD COLUMN converted_customer_linked boolean")
    op.execute("ALTER TABLE lead ADD COLUMN converted_contact_linked boolean")


def downgrade() -> None:
    op.execute("ALTER TABLE lead DROP COLUMN IF EXISTS converted_contact_linked")
    op.execute("ALTER TABLE lead DROP COLUMN IF EXISTS converted_customer_linked")
