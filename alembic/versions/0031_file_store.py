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
    # The code before 0031 reads bytes from file_chunk only: dropping the column while some bytes
    # live only in the store would turn those files empty. Refuse instead of losing them. Migrations
    # run as the owner, whom FORCEd row-level security would hide every row from: lifted for the
    # check, in this transaction only.
    op.execute("ALTER TABLE stored_file NO FORCE ROW LEVEL SECURITY")
    op.execute(
        """DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM stored_file WHERE in_store) THEN
                RAISE EXCEPTION 'files are in the object store: copy them back into file_chunk before downgrading below 0031';
            END IF;
        END $$"""
    )
    op.execute("ALTER TABLE stored_file FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE stored_file DROP COLUMN in_store")
