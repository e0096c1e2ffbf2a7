"""Tenant-defined objects and fields (the form engine): metadata, records as validated JSONB, a
side table that makes unique fields unique under concurrent writes, and auto-number sequences.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import logging

from alembic import op
from sqlalchemy import text

revision = "0007"
down_revision = "0006"
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
TABLES = (
    "custom_object",
    "custom_field",
    "custom_record",
    "custom_unique_value",
    "custom_sequence",
    "field_access",
    "custom_index",
    "custom_metadata_version",
)
API_NAME = r"'^[a-z][a-z0-9_]{0,39}$'"


# Under row-level security PostgreSQL applies a query's own conditions before the tenant policy only
# if their functions are LEAKPROOF (they could otherwise reveal other tenants' rows, e.g. in an
# error message). `#>>` (jsonb_extract_path_text) is not marked so, although it cannot fail on any
# stored value or return anything but its result, so an index on a custom field could never serve a
# condition on it. Marking it needs a superuser; without one, custom-object indexes still work for
# ordering by the leading columns but not for filters (docs/operations.md).
LEAKPROOF_FUNCTION = "jsonb_extract_path_text(jsonb, text[])"


def _superuser() -> bool:
    return bool(
        op.get_bind()
        .execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        .scalar()
    )


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE custom_object (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            api_name text NOT NULL CHECK (api_name ~ {API_NAME}),
            label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
            plural_label text NOT NULL CHECK (length(plural_label) BETWEEN 1 AND 100),
            description text,
            display_field text,
            searchable boolean NOT NULL DEFAULT false,
            deprecated boolean NOT NULL DEFAULT false,
            rights jsonb,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    # Deleted objects keep their api name until purged: a restore must find it free.
    op.execute(
        "CREATE UNIQUE INDEX custom_object_api_name_key ON custom_object (tenant_id, api_name)"
    )
    op.execute(f"""
        CREATE TABLE custom_field (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            object_id uuid,
            standard_object text,
            api_name text NOT NULL CHECK (api_name ~ {API_NAME}),
            label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
            field_type text NOT NULL,
            required boolean NOT NULL DEFAULT false,
            is_unique boolean NOT NULL DEFAULT false,
            read_only boolean NOT NULL DEFAULT false,
            default_value jsonb,
            help_text text,
            config jsonb NOT NULL DEFAULT '{{}}',
            validation jsonb NOT NULL DEFAULT '{{}}',
            position integer NOT NULL DEFAULT 0,
            deprecated boolean NOT NULL DEFAULT false,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, object_id) REFERENCES custom_object (tenant_id, id),
            CHECK ((object_id IS NULL) <> (standard_object IS NULL))
        )""")
    op.execute(
        "CREATE UNIQUE INDEX custom_field_api_name_key ON custom_field "
        "(tenant_id, coalesce(object_id::text, standard_object), api_name)"
    )
    op.execute(f"""
        CREATE TABLE custom_record (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            object_id uuid NOT NULL,
            owner_id uuid,
            team_id uuid,
            data jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, object_id) REFERENCES custom_object (tenant_id, id),
            FOREIGN KEY (tenant_id, owner_id) REFERENCES membership (tenant_id, user_id),
            FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX custom_record_object_idx ON custom_record (tenant_id, object_id, created_at, id) "
        "WHERE deleted_at IS NULL"
    )
    # Equality and containment filters on any field (data @> '{"status": "ACTIVE"}').
    op.execute(
        "CREATE INDEX custom_record_data_idx ON custom_record USING gin (data jsonb_path_ops)"
    )
    # Text search over every text value of a record (used for objects marked searchable), with the
    # 'simple' configuration of the standard objects' search.
    op.execute(
        "ALTER TABLE custom_record ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (jsonb_to_tsvector('simple', data, '[\"string\"]')) STORED"
    )
    op.execute("CREATE INDEX custom_record_search_idx ON custom_record USING gin (search_vector)")
    # One row per (unique field, value): the primary key makes the second of two concurrent
    # writers fail, which a check-then-insert could never guarantee.
    op.execute("""
        CREATE TABLE custom_unique_value (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            field_id uuid NOT NULL,
            value text NOT NULL,
            record_id uuid NOT NULL,
            PRIMARY KEY (tenant_id, field_id, value),
            FOREIGN KEY (tenant_id, field_id) REFERENCES custom_field (tenant_id, id) ON DELETE CASCADE
        )""")
    op.execute(
        "CREATE INDEX custom_unique_value_record_idx ON custom_unique_value (tenant_id, record_id)"
    )
    op.execute("""
        CREATE TABLE custom_sequence (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            field_id uuid NOT NULL,
            last_value bigint NOT NULL,
            PRIMARY KEY (tenant_id, field_id),
            FOREIGN KEY (tenant_id, field_id) REFERENCES custom_field (tenant_id, id) ON DELETE CASCADE
        )""")
    # Field-level rights: a role's restriction on one field of one object (standard or custom).
    op.execute("""
        CREATE TABLE field_access (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            object text NOT NULL,
            field text NOT NULL,
            role text NOT NULL CHECK (role IN ('manager', 'member', 'agent', 'viewer')),
            access text NOT NULL CHECK (access IN ('HIDDEN', 'READ_ONLY')),
            PRIMARY KEY (tenant_id, role, object, field)
        )""")
    # Indexes admins ask for on a custom object's fields; `tessera indexer` (as the owner) builds
    # them with CREATE INDEX CONCURRENTLY, which the application role could not and should not do.
    op.execute(f"""
        CREATE TABLE custom_index (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            object_id uuid NOT NULL,
            fields jsonb NOT NULL,
            index_name text NOT NULL,
            status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'READY', 'FAILED', 'DROPPING')),
            error text,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, index_name),
            FOREIGN KEY (tenant_id, object_id) REFERENCES custom_object (tenant_id, id)
        )""")
    # Bumped in the transaction of every definition change: each process compares it with the
    # definitions it has cached (one indexed read per request) and reloads when it moved.
    op.execute("""
        CREATE TABLE custom_metadata_version (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            version bigint NOT NULL,
            PRIMARY KEY (tenant_id)
        )""")
    if _superuser():
        op.execute(f"ALTER FUNCTION {LEAKPROOF_FUNCTION} LEAKPROOF")
    else:
        logging.getLogger("alembic").warning(
            "not a superuser: %s stays non-leakproof; custom-field filters will not "
            "use indexes under row-level security",
            LEAKPROOF_FUNCTION,
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
    if _superuser():
        op.execute(f"ALTER FUNCTION {LEAKPROOF_FUNCTION} NOT LEAKPROOF")
    # Indexes built for tenants go with their table.
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
