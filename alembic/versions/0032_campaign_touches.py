"""Campaign touches: each time a lead or a contact is linked to a campaign, with its time and how
(created with it, changed to it, imported, converted from a lead of the campaign, primary contact
of a deal of the campaign), for first- and last-touch attribution (docs/reports.md).

The record write flow records them (domain/reports/touches.py, plugged into every record write),
so the API, imports, automations and conversions all do. Links from before this migration are
back-filled tenant by tenant: from the audit trail (every `campaignId` a lead was created with or
changed to, at that time), then leads still linked with no touch of their campaign (at their
creation), converted leads' contacts (at the conversion) and deals' primary contacts (at the deal's
creation). A touch is unique per record, campaign and instant, so back-fills can run again.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"

# The same statements as domain/reports/backfill.py at the time of this migration (kept here, frozen).
_INSERT = "INSERT INTO campaign_touch (tenant_id, id, campaign_id, record_type, record_id, touched_at, kind) "
_CONFLICT = " ON CONFLICT (tenant_id, record_id, campaign_id, touched_at) DO NOTHING"
BACKFILL = (
    _INSERT
    + """
SELECT a.tenant_id, gen_random_uuid(), c.id, 'Lead', a.record_id, a.occurred_at,
       CASE WHEN a.action = 'created' THEN 'CREATED' ELSE 'CHANGED' END
FROM audit_event a
JOIN campaign c ON c.tenant_id = a.tenant_id
 AND c.id::text = coalesce(a.changes -> 'campaignId' ->> 1, a.changes -> 'campaign_id' ->> 1)
WHERE a.tenant_id = {tenant} AND a.record_type = 'Lead'"""
    + _CONFLICT,
    _INSERT
    + """
SELECT l.tenant_id, gen_random_uuid(), l.campaign_id, 'Lead', l.id, l.created_at, 'BACKFILLED'
FROM lead l
WHERE l.tenant_id = {tenant} AND l.campaign_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = l.tenant_id AND t.record_id = l.id
                  AND t.campaign_id = l.campaign_id)"""
    + _CONFLICT,
    _INSERT
    + """
SELECT l.tenant_id, gen_random_uuid(), l.campaign_id, 'Contact', l.converted_contact_id, l.converted_at, 'CONVERTED'
FROM lead l
WHERE l.tenant_id = {tenant} AND l.campaign_id IS NOT NULL AND l.converted_contact_id IS NOT NULL
  AND l.converted_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = l.tenant_id
                  AND t.record_id = l.converted_contact_id AND t.campaign_id = l.campaign_id)"""
    + _CONFLICT,
    _INSERT
    + """
SELECT o.tenant_id, gen_random_uuid(), o.campaign_id, 'Contact', o.primary_contact_id, o.created_at, 'DEAL'
FROM opportunity o
WHERE o.tenant_id = {tenant} AND o.campaign_id IS NOT NULL AND o.primary_contact_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = o.tenant_id
                  AND t.record_id = o.primary_contact_id AND t.campaign_id = o.campaign_id)"""
    + _CONFLICT,
)


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute("""
        CREATE TABLE campaign_touch (
            tenant_id uuid NOT NULL REFERENCES tenant (id),
            id uuid NOT NULL,
            campaign_id uuid NOT NULL,
            record_type text NOT NULL CHECK (record_type IN ('Lead', 'Contact')),
            record_id uuid NOT NULL,
            touched_at timestamptz NOT NULL DEFAULT now(),
            kind text NOT NULL CHECK (kind IN ('CREATED', 'CHANGED', 'IMPORTED', 'CONVERTED', 'DEAL', 'BACKFILLED')),
            PRIMARY KEY (tenant_id, id),
            -- one touch per record, campaign and instant: the writes of one transaction share now(),
            -- so a conversion that links a contact twice records it once, and back-fills repeat safely
            UNIQUE (tenant_id, record_id, campaign_id, touched_at)
        )""")
    op.execute(
        "CREATE INDEX campaign_touch_campaign_idx ON campaign_touch (tenant_id, campaign_id, touched_at)"
    )
    # Attribution finds a won deal's people through the leads converted into its customer.
    op.execute(
        "CREATE INDEX lead_converted_customer_idx ON lead (tenant_id, converted_customer_id) "
        "WHERE converted_customer_id IS NOT NULL"
    )
    role = _app_role()
    op.execute("ALTER TABLE campaign_touch ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE campaign_touch FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON campaign_touch USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
    )
    op.execute(f"GRANT SELECT, INSERT, DELETE ON campaign_touch TO {role}")
    connection = op.get_bind()
    for (tenant_id,) in connection.execute(sa.text("SELECT id FROM tenant")).fetchall():
        connection.execute(
            sa.text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)}
        )
        for statement in BACKFILL:
            connection.execute(sa.text(statement.format(tenant=_TENANT)))
    connection.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS lead_converted_customer_idx")
    op.execute("DROP TABLE IF EXISTS campaign_touch")
