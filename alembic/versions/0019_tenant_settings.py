"""Tenant settings: one row per tenant with its display name, time zone, default currency,
locale, week start, default phone region and business calendars (the default one and named ones
assigned to teams or regions, as the JSON shape of domain/calendars). A tenant without a row
has the defaults (domain/tenant_settings); the first update writes the row. `version` counts
changes: updates carry it (a stale one is a CONFLICT) and processes cache the parsed settings
against it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE tenant_settings (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            display_name text NOT NULL,
            time_zone text NOT NULL DEFAULT 'UTC',
            default_currency text NOT NULL DEFAULT 'USD',
            locale text NOT NULL DEFAULT 'en',
            week_start smallint NOT NULL DEFAULT 0 CHECK (week_start BETWEEN 0 AND 6),
            phone_region text,
            default_calendar jsonb,
            calendars jsonb NOT NULL DEFAULT '[]',
            version bigint NOT NULL DEFAULT 1,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tenant_id)
        )""")
    role = _app_role()
    op.execute("ALTER TABLE tenant_settings ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE tenant_settings FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON tenant_settings USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON tenant_settings TO {role}")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS tenant_settings")
