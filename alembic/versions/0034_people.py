"""People management: a member's status (invited, active, deactivated), a user's time zone,
single-use account links (invitations and password resets), and the one privileged path that
creates a user.

`app_user` is global (a user may belong to several tenants) and the application role has no INSERT
on it: a tenant's admin must never be able to read or write users beyond their own tenant. An
invitation still has to create a user who does not exist yet. `tessera_user_for_invitation` is that
path: a SECURITY DEFINER function owned by the owner role that answers the id of the user with an
email, creating a user without a password when there is none, and nothing else (it reads no other
column, needs a tenant to be set, and is executable by the application role only). The owner role
gets its own row-level policy on `app_user` so the function (and the operator CLI) can find an
existing user of another tenant; the application role's policies are unchanged.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-02
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    role = _app_role()
    # Invited users have no password until they accept; login treats them as unknown.
    op.execute("ALTER TABLE app_user ALTER COLUMN password_hash DROP NOT NULL")
    op.execute("ALTER TABLE app_user ADD COLUMN time_zone text CHECK (length(time_zone) <= 64)")
    op.execute(
        "ALTER TABLE membership ADD COLUMN status text NOT NULL DEFAULT 'active' "
        "CHECK (status IN ('invited', 'active', 'deactivated'))"
    )
    op.execute("ALTER TABLE membership ADD COLUMN invited_by uuid")
    op.execute("ALTER TABLE membership ADD COLUMN invited_at timestamptz")
    op.execute("ALTER TABLE membership ADD COLUMN deactivated_at timestamptz")
    op.execute("""
        CREATE TABLE account_link (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            user_id uuid NOT NULL,
            purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
            token_hash bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, token_hash),
            FOREIGN KEY (tenant_id, user_id) REFERENCES membership (tenant_id, user_id) ON DELETE CASCADE
        )""")
    op.execute("CREATE INDEX account_link_user_idx ON account_link (tenant_id, user_id)")
    op.execute("ALTER TABLE account_link ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE account_link FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON account_link USING ({TENANT_PREDICATE}) "
        f"WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON account_link TO {role}")

    # The owner role (migrations, operator CLI, the function below) sees and adds every user.
    op.execute(
        "CREATE POLICY owner_provisioning ON app_user TO CURRENT_USER USING (true) WITH CHECK (true)"
    )
    op.execute("""
        CREATE FUNCTION tessera_user_for_invitation(p_id uuid, p_email text, p_name text)
        RETURNS uuid
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
        DECLARE
            found uuid;
        BEGIN
            IF NULLIF(current_setting('app.tenant_id', true), '') IS NULL THEN
                RAISE EXCEPTION 'an invitation needs a tenant' USING ERRCODE = '42501';
            END IF;
            IF p_email IS NULL OR p_email !~ '^[^@\\s]+@[^@\\s]+$' OR length(p_email) > 320 THEN
                RAISE EXCEPTION 'not an email address' USING ERRCODE = '22023';
            END IF;
            SELECT id INTO found FROM app_user WHERE lower(email) = lower(p_email);
            IF found IS NULL THEN
                INSERT INTO app_user (id, email, name, password_hash)
                VALUES (p_id, p_email, left(coalesce(p_name, ''), 200), NULL)
                ON CONFLICT ((lower(email))) DO NOTHING;
                SELECT id INTO found FROM app_user WHERE lower(email) = lower(p_email);
            END IF;
            RETURN found;
        END
        $$""")
    op.execute("REVOKE ALL ON FUNCTION tessera_user_for_invitation(uuid, text, text) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION tessera_user_for_invitation(uuid, text, text) TO {role}")


def downgrade() -> None:
    # Migrations run as the owner, whom FORCEd row-level security would hide every row from (no
    # tenant is set): lifted for this transaction's checks and rewrites.
    for table in ("membership", "app_user"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    # Without the status column a deactivated or merely invited member would be a member again:
    # refuse rather than let them back in.
    op.execute(
        """DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM membership WHERE status <> 'active') THEN
                RAISE EXCEPTION 'invited or deactivated members exist: remove their memberships before downgrading below 0034';
            END IF;
        END $$"""
    )
    # Users who never accepted an invitation cannot keep a NULL password under NOT NULL.
    op.execute("UPDATE app_user SET password_hash = '!' WHERE password_hash IS NULL")
    for table in ("membership", "app_user"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS tessera_user_for_invitation(uuid, text, text)")
    op.execute("DROP POLICY IF EXISTS owner_provisioning ON app_user")
    op.execute("DROP TABLE IF EXISTS account_link")
    for column in ("deactivated_at", "invited_at", "invited_by", "status"):
        op.execute(f"ALTER TABLE membership DROP COLUMN IF EXISTS {column}")
    op.execute("ALTER TABLE app_user DROP COLUMN IF EXISTS time_zone")
    op.execute("ALTER TABLE app_user ALTER COLUMN password_hash SET NOT NULL")
