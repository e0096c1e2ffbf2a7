"""Duplicate rules: per object, conditions under which two records are taken for the same and what
a write that makes such a pair does (ALLOW, WARN, BLOCK); and the normalised keys of records
(duplicate_key) that let rules find matches with an index probe. Tenants that exist get the
default rules (domain/duplicates/rules.py DEFAULT_RULES); their records are keyed by their next
write or a duplicate scan.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import json

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
RECORD_COLUMNS = """
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_by uuid,
    deleted_at timestamptz
"""
TABLES = ("duplicate_rule", "duplicate_key")
# A copy, not an import: a migration keeps meaning what it meant when it was written.
DEFAULT_RULES = (
    ("Customer", "Same website domain", [{"field": "domain", "match": "EXACT"}]),
    ("Customer", "Same company name", [{"field": "name", "match": "EXACT"}]),
    ("Contact", "Same email", [{"field": "emails", "match": "EXACT"}]),
    ("Contact", "Same phone", [{"field": "phones", "match": "EXACT"}]),
    ("Lead", "Same email", [{"field": "email", "match": "EXACT"}]),
    (
        "Lead",
        "Same company and person",
        [{"field": "companyName", "match": "EXACT"}, {"field": "personName", "match": "EXACT"}],
    ),
)


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE duplicate_rule (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            record_type text NOT NULL CHECK (length(record_type) BETWEEN 1 AND 100),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            action text NOT NULL CHECK (action IN ('ALLOW', 'WARN', 'BLOCK')),
            conditions jsonb NOT NULL CHECK (jsonb_typeof(conditions) = 'array'),
            active boolean NOT NULL DEFAULT true,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX duplicate_rule_object_idx ON duplicate_rule (tenant_id, record_type) WHERE deleted_at IS NULL"
    )
    # No foreign key to the record: one table keys customers, contacts, leads and custom records.
    # Keys of deleted records stay (a restore needs them) and matching skips records not live.
    op.execute("""
        CREATE TABLE duplicate_key (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            record_type text NOT NULL,
            field text NOT NULL,
            key text NOT NULL,
            record_id uuid NOT NULL,
            block text NOT NULL,
            PRIMARY KEY (tenant_id, record_type, field, key, record_id)
        )""")
    op.execute(
        "CREATE INDEX duplicate_key_record_idx ON duplicate_key (tenant_id, record_type, record_id)"
    )
    op.execute(
        "CREATE INDEX duplicate_key_block_idx ON duplicate_key (tenant_id, record_type, field, block)"
    )
    # Before row-level security: the owner inserts for every tenant at once.
    for record_type, name, conditions in DEFAULT_RULES:
        op.execute(
            "INSERT INTO duplicate_rule (tenant_id, id, record_type, name, action, conditions) "
            f"SELECT id, gen_random_uuid(), '{record_type}', '{name}', 'WARN', '{json.dumps(conditions)}'::jsonb FROM tenant"
        )
    role = _app_role()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
