"""The approval inbox as a live feed: which announcements may change someone's inbox, and the
inbox as it is now, to compare with what the subscriber was last told."""

from __future__ import annotations

import uuid
from typing import Any

from domain.approvals import store
from domain.approvals.queries import TaskFilter, my_approvals
from domain.identity.principal import Principal
from domain.live import Announcement

# Every event of an approval request carries the request's id among its changes (flow.event), and
# announcements name the changed fields: that is how an approval event is told from a record's own.
APPROVAL_MARK = "approvalRequestId"
INBOX_LIMIT = store.MAX_PAGE  # tasks one subscription keeps track of (the oldest ones)


def about_approvals(announcement: Announcement) -> bool:
    """Whether an announcement is an approval request's move (submitted, decided, step entered,
    recalled, cancelled, reassigned...), after which inboxes may have changed."""
    return APPROVAL_MARK in announcement.fields


async def inbox(principal: Principal) -> dict[uuid.UUID, dict[str, Any]]:
    """The principal's pending tasks now (their own and delegated to them), by task id."""
    rows, _ = await my_approvals(principal=principal, filter=TaskFilter(), first=INBOX_LIMIT)
    return {row["task_id"]: row for row in rows}
