"""In-app notifications: written by rules (the notify action) and by the system (a webhook
endpoint disabled); read through domain/automation/log.py. Each one is also an outbox event
(`Notification.created`), committed with it, so that the relay announces it to subscribers
(`notificationAdded`); rules and webhooks ignore that type."""

from __future__ import annotations

import uuid

from domain.events import emit
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id


async def notify_users(user_ids: list[uuid.UUID], *, title: str, body: str | None, record_type: str | None,
                       record_id: uuid.UUID | None, rule_id: uuid.UUID | None = None) -> int:
    """One notification per user who is a member of the tenant (others are skipped); how many
    were notified."""
    if not user_ids:
        return 0
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO notification (tenant_id, id, user_id, title, body, record_type, record_id, rule_id) "
        "SELECT $1, n.id, n.user_id, $4, $5, $6, $7, $8 FROM unnest($2::uuid[], $3::uuid[]) AS n(id, user_id) "
        "JOIN membership m ON m.tenant_id = $1 AND m.user_id = n.user_id RETURNING id",
        [current_tenant_id(), [new_id() for _ in user_ids], user_ids, title[:300], (body or "")[:2000] or None,
         record_type, record_id, rule_id])
    await emit("Notification", [(row["id"], "created", {}) for row in rows], actor_id=None)
    return len(rows)
