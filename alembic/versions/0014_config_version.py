"""A per-tenant version of the configuration that event delivery reads (automation rules, webhook
endpoints), bumped by triggers on every change, so workers can cache that configuration per
process and check it is current with the event they read anyway.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE delivery_config_version (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            version bigint NOT NULL,
            PRIMARY KEY (tenant_id)
        )""")
    op.execute("""
        CREATE FUNCTION bump_delivery_config() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO delivery_config_version (tenant_id, version)
            VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END, 1)
            ON CONFLICT (tenant_id) DO UPDATE SET version = delivery_config_version.version + 1;
            RETURN NULL;
        END $$""")
    op.execute(
        "CREATE TRIGGER automation_rule_bumps_config AFTER INSERT OR UPDATE OR DELETE ON automation_rule "
        "FOR EACH ROW EXECUTE FUNCTION bump_delivery_config()"
    )
    # Not on every update: a delivery's outcome writes failing_since, which no cache holds.
    op.execute(
        "CREATE TRIGGER webhook_endpoint_bumps_config AFTER INSERT OR DELETE OR UPDATE OF url, event_types, enabled, "
        "deleted_at ON webhook_endpoint FOR EACH ROW EXECUTE FUNCTION bump_delivery_config()"
    )
    role = _app_role()
    op.execute("ALTER TABLE delivery_config_version ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE delivery_config_version FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON delivery_config_version USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON delivery_config_version TO {role}")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS webhook_endpoint_bumps_config ON webhook_endpoint")
    op.execute("DROP TRIGGER IF EXISTS automation_rule_bumps_config ON automation_rule")
    op.execute("DROP FUNCTION IF EXISTS bump_delivery_config()")
    op.execute("DROP TABLE IF EXISTS delivery_config_version")
