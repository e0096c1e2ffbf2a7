"""Files' bytes move out of PostgreSQL into an object store (a directory or S3, chosen by
settings: domain/files/storage.py). `in_store` says where a file's bytes are: new files are
written to the store; files written before this revision keep their chunks in `file_chunk` and
are still read from there until `tessera files move-to-store` moves them (docs/operations.md).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE stored_file ADD COLUMN in_store boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    # Files whose bytes are in the store keep their bytes there; their rows lose the column that
    # says so, so move them back before a downgrade is used for more than a test.
    op.execute("ALTER TABLE stored_file DROP COLUMN in_store")
