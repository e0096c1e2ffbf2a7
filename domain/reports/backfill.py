"""Back-filling the history analytics read, for a tenant whose data came in without it (restored
from a dump, loaded with triggers off, written before the triggers and hooks existed): lifecycle
transitions from the audit trail (each `lifecycleStage` a lead or customer was created with or
changed to, at that time; a record with no transition at its creation gets one there, into the
stage its first recorded change left, else its current stage: a stage set by the column's default
is not in the trail), and campaign touches (the statements of migration 0032).

Idempotent: a transition already recorded (same record, stage and time) or a touch already
recorded (same record, campaign and time; for links found in the rows, any touch of that record
and campaign) is not written again, so running it twice writes nothing the second time. Runs in
the current tenant's transaction (`tessera backfill analytics --tenant`)."""

from __future__ import annotations

from dataclasses import dataclass

from tenants.context import current_tenant_id, tenant_connection

# The audit trail names fields as the API does; accept the domain's snake_case too.
_STAGE = "coalesce(a.changes -> 'lifecycleStage' ->> 1, a.changes -> 'lifecycle_stage' ->> 1)"
_CAMPAIGN = "coalesce(a.changes -> 'campaignId' ->> 1, a.changes -> 'campaign_id' ->> 1)"
_STAGES = "ARRAY['LEAD', 'MQL', 'SQL', 'OPPORTUNITY', 'CUSTOMER', 'ADVOCATE']"

TRANSITIONS = (
    f"""
INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
SELECT a.tenant_id, gen_random_uuid(), a.record_type, a.record_id,
       coalesce(a.changes -> 'lifecycleStage' ->> 0, a.changes -> 'lifecycle_stage' ->> 0), {_STAGE},
       a.occurred_at, a.actor_id
FROM audit_event a
WHERE a.tenant_id = $1 AND a.record_type IN ('Lead', 'Customer') AND {_STAGE} = ANY({_STAGES})
  AND NOT EXISTS (SELECT 1 FROM lifecycle_transition x WHERE x.tenant_id = a.tenant_id
                  AND x.record_id = a.record_id AND x.to_stage = {_STAGE} AND x.changed_at = a.occurred_at)
""",
    """
INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, from_stage, to_stage, changed_at, changed_by)
SELECT r.tenant_id, gen_random_uuid(), r.record_type, r.id, NULL,
       coalesce((SELECT x.from_stage FROM lifecycle_transition x WHERE x.tenant_id = r.tenant_id AND x.record_id = r.id
                 ORDER BY x.changed_at, x.id LIMIT 1), r.lifecycle_stage),
       r.created_at, r.created_by
FROM (SELECT tenant_id, id, 'Lead' AS record_type, lifecycle_stage, created_at, created_by FROM lead WHERE tenant_id = $1
      UNION ALL
      SELECT tenant_id, id, 'Customer', lifecycle_stage, created_at, created_by FROM customer WHERE tenant_id = $1) r
WHERE r.lifecycle_stage IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM lifecycle_transition x WHERE x.tenant_id = r.tenant_id AND x.record_id = r.id
                  AND x.changed_at <= r.created_at)
""",
)

_INSERT = "INSERT INTO campaign_touch (tenant_id, id, campaign_id, record_type, record_id, touched_at, kind) "
_CONFLICT = " ON CONFLICT (tenant_id, record_id, campaign_id, touched_at) DO NOTHING"
TOUCHES = (
    _INSERT
    + f"""
SELECT a.tenant_id, gen_random_uuid(), c.id, 'Lead', a.record_id, a.occurred_at,
       CASE WHEN a.action = 'created' THEN 'CREATED' ELSE 'CHANGED' END
FROM audit_event a JOIN campaign c ON c.tenant_id = a.tenant_id AND c.id::text = {_CAMPAIGN}
WHERE a.tenant_id = $1 AND a.record_type = 'Lead'"""
    + _CONFLICT,
    _INSERT
    + """
SELECT l.tenant_id, gen_random_uuid(), l.campaign_id, 'Lead', l.id, l.created_at, 'BACKFILLED'
FROM lead l
WHERE l.tenant_id = $1 AND l.campaign_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = l.tenant_id AND t.record_id = l.id
                  AND t.campaign_id = l.campaign_id)"""
    + _CONFLICT,
    _INSERT
    + """
SELECT l.tenant_id, gen_random_uuid(), l.campaign_id, 'Contact', l.converted_contact_id, l.converted_at, 'CONVERTED'
FROM lead l
WHERE l.tenant_id = $1 AND l.campaign_id IS NOT NULL AND l.converted_contact_id IS NOT NULL
  AND l.converted_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = l.tenant_id
                  AND t.record_id = l.converted_contact_id AND t.campaign_id = l.campaign_id)"""
    + _CONFLICT,
    _INSERT
    + """
SELECT o.tenant_id, gen_random_uuid(), o.campaign_id, 'Contact', o.primary_contact_id, o.created_at, 'DEAL'
FROM opportunity o
WHERE o.tenant_id = $1 AND o.campaign_id IS NOT NULL AND o.primary_contact_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM campaign_touch t WHERE t.tenant_id = o.tenant_id
                  AND t.record_id = o.primary_contact_id AND t.campaign_id = o.campaign_id)"""
    + _CONFLICT,
)


@dataclass
class Backfilled:
    transitions: int
    touches: int


async def backfill_analytics() -> Backfilled:
    """Write the current tenant's missing lifecycle transitions and campaign touches."""
    conn = tenant_connection()
    tenant = current_tenant_id()
    counts = []
    for statements in (TRANSITIONS, TOUCHES):
        written = 0
        for statement in statements:
            rows = await conn.execute_query_dict(statement + " RETURNING 1 AS one", [tenant])
            written += len(rows)
        counts.append(written)
    return Backfilled(*counts)
