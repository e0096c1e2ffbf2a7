"""CRM core, part 1: teams, customers, contacts, tags and the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"

# Columns every editable record has: optimistic-locking version, who/when, soft deletion.
RECORD_COLUMNS = """
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_by uuid,
    deleted_at timestamptz
"""

TABLES = ("team", "team_member", "customer", "contact", "tag", "record_tag", "audit_event")


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE team (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            manager_id uuid,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, manager_id) REFERENCES membership (tenant_id, user_id)
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX team_name_key ON team (tenant_id, lower(name)) WHERE deleted_at IS NULL"
    )
    op.execute(
        """
        CREATE TABLE team_member (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            team_id uuid NOT NULL,
            user_id uuid NOT NULL,
            PRIMARY KEY (tenant_id, team_id, user_id),
            FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id) ON DELETE CASCADE,
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX team_member_user_idx ON team_member (tenant_id, user_id)")
    op.execute(
        f"""
        CREATE TABLE customer (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
            website text,
            domain text,
            industry text,
            size text,
            region text,
            address jsonb,
            tier text,
            credit_rating text,
            lifecycle_stage text,
            owner_id uuid,
            team_id uuid,
            external_ids jsonb NOT NULL DEFAULT '[]',
            lifetime_value numeric(18, 2) NOT NULL DEFAULT 0,
            last_order_at timestamptz,
            custom_fields jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, owner_id) REFERENCES membership (tenant_id, user_id),
            FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id)
        )
        """
    )
    op.execute("CREATE INDEX customer_created_idx ON customer (tenant_id, created_at, id)")
    op.execute("CREATE INDEX customer_name_idx ON customer (tenant_id, lower(name), id)")
    op.execute("CREATE INDEX customer_owner_idx ON customer (tenant_id, owner_id)")
    op.execute("CREATE INDEX customer_team_idx ON customer (tenant_id, team_id)")
    op.execute(
        f"""
        CREATE TABLE contact (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            customer_id uuid,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
            title text,
            emails text[] NOT NULL DEFAULT '{{}}',
            phones text[] NOT NULL DEFAULT '{{}}',
            messaging_ids jsonb NOT NULL DEFAULT '{{}}',
            marketing_consent boolean NOT NULL DEFAULT false,
            owner_id uuid,
            team_id uuid,
            custom_fields jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, customer_id) REFERENCES customer (tenant_id, id),
            FOREIGN KEY (tenant_id, owner_id) REFERENCES membership (tenant_id, user_id),
            FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id)
        )
        """
    )
    op.execute("CREATE INDEX contact_created_idx ON contact (tenant_id, created_at, id)")
    op.execute(
        "CREATE INDEX contact_customer_idx ON contact (tenant_id, customer_id, created_at, id)"
    )
    op.execute("CREATE INDEX contact_owner_idx ON contact (tenant_id, owner_id)")
    op.execute(
        """
        CREATE TABLE tag (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
            color text,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX tag_name_key ON tag (tenant_id, lower(name))")
    op.execute(
        """
        CREATE TABLE record_tag (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            tag_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, record_type, record_id, tag_id),
            FOREIGN KEY (tenant_id, tag_id) REFERENCES tag (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX record_tag_tag_idx ON record_tag (tenant_id, tag_id)")
    op.execute(
        """
        CREATE TABLE audit_event (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            record_type text NOT NULL,
            record_id uuid NOT NULL,
            action text NOT NULL,
            actor_id uuid,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            changes jsonb NOT NULL DEFAULT '{}',
            PRIMARY KEY (tenant_id, id)
        )
        """
    )
    op.execute(
        "CREATE INDEX audit_event_record_idx ON audit_event (tenant_id, record_type, record_id, occurred_at, id)"
    )

    role = _app_role()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")
    # The audit trail is append-only for the application.
    op.execute(f"REVOKE UPDATE, DELETE ON audit_event FROM {role}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
