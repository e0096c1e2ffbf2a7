"""`myApprovals` live: an event each time a request starts waiting on the subscriber (their own
task, or one delegated to them) and each time one leaves their inbox (decided, recalled,
cancelled, reassigned, the step moved on). Every approval event any process commits wakes the
subscription; it then reads the inbox again as the subscriber, in a short transaction of its own,
and sends only the difference from what it last told."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import principal_of
from api.records.approvals import ApprovalRequestType
from api.records.ids import encode_id
from api.records.relations import relation
from api.records.users import UserType
from api.subscriptions.execution import InScope
from api.subscriptions.hub import Subscriber
from api.subscriptions.session import LiveSession
from domain.approvals import requests
from domain.approvals.inbox import inbox
from domain.errors import NotFound


@strawberry.enum(name="InboxChangeKind")
class InboxChangeKind(enum.Enum):
    ADDED = "added"  # a request now waits on the subscriber's decision
    REMOVED = "removed"  # it no longer does (decided by anyone, recalled, cancelled, moved on)


@strawberry.type(name="MyApprovalsChange", description="A request entering or leaving your inbox")
class MyApprovalsChange:
    kind: InboxChangeKind
    cursor: str = strawberry.field(description="The task's cursor, as `myApprovals` items have it")
    request_id: relay.GlobalID
    in_scope: strawberry.Private[InScope]
    request_uuid: strawberry.Private[uuid.UUID]
    on_behalf_of_id: strawberry.Private[uuid.UUID | None]
    on_behalf_of = relation(
        column="on_behalf_of_id",
        target=None,
        type=UserType,
        description="Set when the task is someone else's, delegated to you",
    )

    @strawberry.field(
        description="The request as you see it now (null if you may no longer see it)"
    )
    async def request(self, info: Info) -> ApprovalRequestType | None:
        try:  # runs in the subscriber's scope (api/subscriptions/execution.py)
            row = await requests.request_for(
                principal=principal_of(info), request_id=self.request_uuid
            )
        except NotFound:
            return None
        return ApprovalRequestType.from_row(row)


def _change(
    kind: InboxChangeKind, task_id: uuid.UUID, row: dict[str, Any], in_scope: InScope
) -> MyApprovalsChange:
    return MyApprovalsChange(
        kind=kind,
        cursor=str(task_id),
        request_id=encode_id("ApprovalRequest", row["id"]),
        in_scope=in_scope,
        request_uuid=row["id"],
        on_behalf_of_id=row["on_behalf_of"],
    )


async def inbox_changes(
    session: LiveSession, subscriber: Subscriber, in_scope: InScope
) -> AsyncGenerator[MyApprovalsChange, None]:
    try:
        async with session.as_subscriber() as principal:
            known = await inbox(principal)
        while True:  # one wake-up a turn, until the client completes the subscription or leaves
            await subscriber.next()
            async with session.as_subscriber() as principal:
                now = await inbox(principal)
            for task_id in sorted(known.keys() - now.keys()):
                yield _change(InboxChangeKind.REMOVED, task_id, known[task_id], in_scope)
            for task_id in sorted(now.keys() - known.keys()):
                yield _change(InboxChangeKind.ADDED, task_id, now[task_id], in_scope)
            known = now
    finally:
        session.hub.leave(subscriber)
