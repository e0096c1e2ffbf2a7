"""Foundation: tenant registry, users, memberships, sessions, refresh and API tokens, app role, RLS.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op
from sqlalchemy import text

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Every tenant-owned table: tenant_id leads its keys, RLS is enabled AND forced (so even the owner
# is subject to it) and the policy fails closed when app.tenant_id is unset or empty.
TENANT_TABLES = ("membership", "auth_session", "refresh_token", "api_token")

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> tuple[str, str]:
    attrs = op.get_context().config.attributes
    return attrs["app_db_user"], attrs["app_db_password"]


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create_app_role(role: str, password: str) -> None:
    # The role is cluster-wide (several databases may share it), so create it only if missing and
    # always re-assert that it can neither bypass RLS nor own anything dangerous.
    bind = op.get_bind()
    exists = bind.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    ident = _quote_ident(role)
    literal = "'" + password.replace("'", "''") + "'"
    if not exists:
        op.execute(f"CREATE ROLE {ident} LOGIN PASSWORD {literal}")
    op.execute(
        f"ALTER ROLE {ident} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE "
        f"NOREPLICATION PASSWORD {literal}"
    )
    db = bind.execute(text("SELECT current_database()")).scalar()
    op.execute(f"GRANT CONNECT ON DATABASE {_quote_ident(db)} TO {ident}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ident}")


def _protect(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )


def upgrade() -> None:
    role, password = _app_role()
    _create_app_role(role, password)
    ident = _quote_ident(role)

    op.execute(
        """
        CREATE TABLE tenant (
            id uuid PRIMARY KEY,
            slug text NOT NULL UNIQUE
                CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # A user may belong to several tenants, so users are global. RLS still applies: a user row is
    # visible only through a membership in the current tenant.
    op.execute(
        """
        CREATE TABLE app_user (
            id uuid PRIMARY KEY,
            email text NOT NULL,
            name text NOT NULL DEFAULT '',
            password_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email))")
    op.execute(
        """
        CREATE TABLE membership (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            user_id uuid NOT NULL REFERENCES app_user (id),
            role text NOT NULL CHECK (role IN ('admin', 'manager', 'member', 'agent', 'viewer')),
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id, user_id)
        )
        """
    )
    op.execute("CREATE INDEX membership_user_idx ON membership (user_id, tenant_id)")
    op.execute(
        """
        CREATE TABLE auth_session (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            user_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_refreshed_at timestamptz,
            revoked_at timestamptz,
            revoked_reason text,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE refresh_token (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            session_id uuid NOT NULL,
            token_hash bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, token_hash),
            FOREIGN KEY (tenant_id, session_id) REFERENCES auth_session (tenant_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX refresh_token_session_idx ON refresh_token (tenant_id, session_id)")
    op.execute(
        """
        CREATE TABLE api_token (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            user_id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            scopes text[] NOT NULL,
            token_hash bytea NOT NULL,
            hint text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz,
            last_used_at timestamptz,
            revoked_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, token_hash),
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX api_token_list_idx ON api_token (tenant_id, created_at, id)")

    for table in TENANT_TABLES:
        _protect(table)
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ident}")

    # The registry is read-only for the application; provisioning runs as the owner.
    op.execute(f"GRANT SELECT ON tenant TO {ident}")

    member_of_current_tenant = (
        "EXISTS (SELECT 1 FROM membership m WHERE m.user_id = app_user.id AND "
        f"m.{TENANT_PREDICATE})"
    )
    op.execute("ALTER TABLE app_user ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE app_user FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY member_read ON app_user FOR SELECT USING ({member_of_current_tenant})"
    )
    op.execute(
        f"CREATE POLICY member_update ON app_user FOR UPDATE USING ({member_of_current_tenant}) "
        f"WITH CHECK ({member_of_current_tenant})"
    )
    op.execute(f"GRANT SELECT, UPDATE ON app_user TO {ident}")


def downgrade() -> None:
    role, _ = _app_role()
    ident = _quote_ident(role)
    for table in ("api_token", "refresh_token", "auth_session", "membership", "app_user", "tenant"):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    # The role is shared by other databases of the cluster, so only its rights here are removed.
    db = op.get_bind().execute(text("SELECT current_database()")).scalar()
    op.execute(f"REVOKE ALL ON SCHEMA public FROM {ident}")
    op.execute(f"REVOKE CONNECT ON DATABASE {_quote_ident(db)} FROM {ident}")
