"""The Subscription type: live changes of records and the caller's new notifications.

Subscribing checks the caller's rights once (in the operation's tenant transaction, see
api/extensions/tenant_scope.py); then each announcement is checked again as the subscriber, in a
short transaction of its own, before anything is sent: the record must still be visible to them,
only the changed fields they may see are named, and the payload's `record` resolves as they see it
now (api/subscriptions/execution.py)."""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.automation.types import NotificationType
from api.context import Context
from api.jobs.types import JobType
from api.names import client_name
from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from api.subscriptions.approvals import MyApprovalsChange, inbox_changes
from api.subscriptions.execution import InScope
from api.subscriptions.hub import Subscriber
from api.subscriptions.session import LiveSession
from domain import jobs
from domain.approvals.inbox import about_approvals
from domain.automation.targets import STANDARD
from domain.errors import InvalidInput
from domain.live import (
    NOTIFICATION,
    Announcement,
    own_notification,
    readable_object,
    visible_fields,
)
from domain.records.spec import RecordSpec

CUSTOM_RECORD = (
    "CustomRecord"  # the GraphQL type (and global id type) of every custom object's records
)
MAX_IDS = 100  # records one recordChanged subscription may name


@strawberry.type(description="A change to a record the subscriber may see")
class RecordChange:
    object: str = strawberry.field(
        description="The object's api name (Customer, Ticket, a custom object...)"
    )
    action: str = strawberry.field(
        description="created, updated, deleted, restored, stage_changed, status_changed..."
    )
    id: relay.GlobalID = strawberry.field(description="The record's global id")
    fields: list[str] = strawberry.field(
        description="The fields that changed, among those the subscriber may see"
    )
    occurred_at: datetime
    in_scope: strawberry.Private[InScope]

    @strawberry.field(description="The record as the subscriber sees it now (null once deleted)")
    async def record(self, info: Info) -> relay.Node | None:
        return await self.id.resolve_node(info, required=False)


def _session(info: Info) -> LiveSession:
    session = info.context.live
    if session is None:  # subscriptions exist only over WebSocket; this is for completeness
        raise InvalidInput.single(
            "operation", "WEBSOCKET_ONLY", "Subscriptions run over WebSocket (graphql-transport-ws)"
        )
    return session


def _scope(session: LiveSession, context: Context) -> InScope:
    @asynccontextmanager
    async def in_scope() -> AsyncIterator[None]:
        async with session.as_subscriber() as principal:
            context.principal = principal
            context.loaders.clear()  # this operation's own (api/subscriptions/connection.py): nothing cached across events
            yield

    return in_scope


def _wanted_ids(
    spec: RecordSpec, type_name: str, ids: list[relay.GlobalID] | None
) -> frozenset[uuid.UUID] | None:
    if ids is None:
        return None
    if len(ids) > MAX_IDS:
        raise InvalidInput.single("ids", "TOO_MANY", f"ids may name at most {MAX_IDS} records")
    return frozenset(decode_id(i, expected=type_name, field="ids") for i in ids)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="Changes to the records of `object` (all those the caller may see, or only `ids`), as they commit",
    )
    async def record_changed(
        self, info: Info, object: str, ids: list[relay.GlobalID] | None = None
    ) -> AsyncGenerator[RecordChange, None]:
        principal = principal_of(info)
        spec = await readable_object(principal, object)
        type_name = spec.record_type if spec.record_type in STANDARD else CUSTOM_RECORD
        wanted = _wanted_ids(spec, type_name, ids)
        session = _session(info)

        def wants(a: Announcement) -> bool:
            return a.record_type == spec.record_type and (wanted is None or a.record_id in wanted)

        subscriber = session.hub.join(session.tenant_id, wants, session.drop)
        return _left_when_gone(
            session,
            subscriber,
            _record_changes(session, subscriber, spec, type_name, _scope(session, info.context)),
        )

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="The caller's notifications, as they are created",
    )
    async def notification_added(self, info: Info) -> AsyncGenerator[NotificationType, None]:
        principal_of(info)
        session = _session(info)
        subscriber = session.hub.join(
            session.tenant_id, lambda a: a.record_type == NOTIFICATION, session.drop
        )
        return _left_when_gone(session, subscriber, _notifications(session, subscriber))

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="Your approval inbox, live: an event when a request starts waiting on your "
        "decision (yours or delegated to you) and when one leaves it",
    )
    async def my_approvals(self, info: Info) -> AsyncGenerator[MyApprovalsChange, None]:
        principal_of(info)
        session = _session(info)
        subscriber = session.hub.join(session.tenant_id, about_approvals, session.drop)
        return _left_when_gone(
            session, subscriber, inbox_changes(session, subscriber, _scope(session, info.context))
        )

    @strawberry.subscription(
        permission_classes=[Authenticated],
        description="A background job you may see, again each time its status or progress moves; ends when the job does",
    )
    async def job_progress(self, info: Info, id: relay.GlobalID) -> AsyncGenerator[JobType, None]:
        job_id = decode_id(id, expected="Job", field="id")
        first = await jobs.get_job(
            job_id, principal=principal_of(info)
        )  # NotFound: not theirs to see
        session = _session(info)
        return _job_updates(session, job_id, first, _scope(session, info.context))


def _left_when_gone(
    session: LiveSession, subscriber: Subscriber, stream: AsyncGenerator[Any, None]
) -> AsyncGenerator[Any, None]:
    """The stream leaves the hub in its `finally`; a stream dropped before its first step never
    runs that, so it also leaves when it is collected (leaving twice is harmless)."""
    weakref.finalize(stream, session.hub.leave, subscriber)
    return stream


async def _record_changes(
    session: LiveSession,
    subscriber: Subscriber,
    spec: RecordSpec,
    type_name: str,
    in_scope: InScope,
) -> AsyncGenerator[RecordChange, None]:
    try:
        while (
            True
        ):  # one announcement a turn, until the client completes the subscription or leaves
            announcement = await subscriber.next()
            async with session.as_subscriber() as principal:
                fields = await visible_fields(principal, spec, announcement)
            if fields is None:
                continue
            yield RecordChange(
                object=spec.record_type,
                action=announcement.action,
                id=relay.GlobalID(type_name, str(announcement.record_id)),
                fields=[client_name(name) for name in fields],
                occurred_at=announcement.occurred_at,
                in_scope=in_scope,
            )
    finally:
        session.hub.leave(subscriber)


async def _notifications(
    session: LiveSession, subscriber: Subscriber
) -> AsyncGenerator[NotificationType, None]:
    try:
        while True:  # as above
            announcement = await subscriber.next()
            async with session.as_subscriber() as principal:
                row = await own_notification(principal, announcement.record_id)
            if row is not None:
                yield NotificationType.from_row(row)
    finally:
        session.hub.leave(subscriber)


_FINISHED = frozenset({jobs.SUCCEEDED, jobs.FAILED, jobs.CANCELLED})


async def _job_updates(
    session: LiveSession, job_id: uuid.UUID, row: dict[str, Any], in_scope: InScope
) -> AsyncGenerator[JobType, None]:
    """The job as it is now, then again whenever it moved, read every JOB_PROGRESS_POLL_SECONDS
    as the subscriber (the job's row is the truth wherever the worker runs); ends with the job."""
    last = None
    for _ in range(
        session.hub.limits.job_poll_limit
    ):  # bounded: a job running longer is told to poll
        state = (row["status"], row["progress_done"], row["progress_total"], row["errors_count"])
        if state != last:
            last = state
            update = JobType.from_row(row)
            update.in_scope = in_scope  # type: ignore[attr-defined] # its fields (createdBy) resolve as the subscriber
            yield update
        if row["status"] in _FINISHED:
            return
        await asyncio.sleep(session.hub.limits.job_poll_seconds)
        async with session.as_subscriber() as principal:
            row = await jobs.get_job(job_id, principal=principal)
