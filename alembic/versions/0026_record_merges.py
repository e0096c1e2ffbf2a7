"""Merging records: merged customers, contacts, leads and custom records stay soft-deleted with
`merged_into` naming their survivor, and each merge is kept (what moved, the survivor's values
before) so that it can be undone within 30 days.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
MERGEABLE = ("customer", "contact", "lead", "custom_record")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    for table in MERGEABLE:
        op.execute(f"ALTER TABLE {table} ADD COLUMN merged_into uuid")
    op.execute("""
        CREATE TABLE record_merge (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            record_type text NOT NULL,
            survivor_id uuid NOT NULL,
            merged_ids uuid[] NOT NULL CHECK (cardinality(merged_ids) >= 1),
            survivor_before jsonb NOT NULL,
            moves jsonb NOT NULL,
            merged_by uuid,
            merged_at timestamptz NOT NULL DEFAULT now(),
            undone_at timestamptz,
            undone_by uuid,
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX record_merge_survivor_idx ON record_merge (tenant_id, survivor_id, merged_at)"
    )
    op.execute("ALTER TABLE record_merge ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE record_merge FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON record_merge USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON record_merge TO {_app_role()}")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS record_merge CASCADE")
    for table in MERGEABLE:
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS merged_into")
