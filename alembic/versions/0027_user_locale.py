"""A user's own locale (language of messages): "en", "zh-CN", or NULL to follow the request's
Accept-Language and then the tenant's setting (domain/i18n).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE app_user ADD COLUMN locale text CHECK (locale IN ('en', 'zh-CN'))")


def downgrade() -> None:
    op.execute("ALTER TABLE app_user DROP COLUMN IF EXISTS locale")
