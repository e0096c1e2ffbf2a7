"""Queries and mutations of approval requests: submitting, deciding, recalling, reassigning,
delegating, and what waits on the caller."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import AUTHENTICATED, principal_of
from api.records.approvals import ApprovalRequestType, ApprovalStatus
from api.records.ids import decode_id
from api.records.nodes import load_nodes
from api.records.pagination import page_size
from api.records.relations import relation
from api.records.users import UserType
from domain.approvals import delegation, queries, requests
from domain.custom.records import object_of
from domain.errors import InvalidInput

AUTH = AUTHENTICATED
STANDARD = ("Customer", "Contact", "Lead", "Opportunity", "Ticket")


async def _record(record_id: relay.GlobalID) -> tuple[str, uuid.UUID]:
    """The record type (a custom object's api name for custom records) and UUID of a record's global id."""
    raw = decode_id(record_id, expected=(*STANDARD, "CustomRecord"), field="recordId")
    if record_id.type_name == "CustomRecord":
        return (await object_of(raw)).api_name, raw
    return record_id.type_name, raw


@strawberry.input
class SubmitForApprovalInput:
    record_id: relay.GlobalID
    process_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Leave out: the first process whose criteria match"
    )
    comment: str | None = None


@strawberry.input
class DecideApprovalInput:
    request_id: relay.GlobalID
    comment: str | None = None
    version: int | None = strawberry.field(
        default=None,
        description="The request's version you saw: a request that moved on "
        "since is not decided again (a double click)",
    )
    override: bool = strawberry.field(
        default=False, description="Admins: decide the current step for its approvers"
    )


@strawberry.input
class RecallApprovalInput:
    request_id: relay.GlobalID
    comment: str | None = None


@strawberry.input
class CancelApprovalInput:
    request_id: relay.GlobalID
    comment: str = strawberry.field(description="Why the request no longer applies (required)")


@strawberry.input
class ReassignApprovalInput:
    request_id: relay.GlobalID
    to_user_id: relay.GlobalID
    from_user_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Admins: whose approval to hand over"
    )
    comment: str | None = None


@strawberry.input
class CreateApprovalDelegationInput:
    delegate_id: relay.GlobalID
    starts_at: datetime
    ends_at: datetime
    delegator_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Admins: on someone else's behalf"
    )


@strawberry.input
class ApprovalDelegationRefInput:
    id: relay.GlobalID


@strawberry.input
class MyApprovalsFilter:
    record_type: str | None = None
    process_id: relay.GlobalID | None = None
    delegated: bool | None = strawberry.field(
        default=None, description="true: only work delegated to me; false: only my own"
    )


@strawberry.input
class ApprovalRequestFilter:
    status: ApprovalStatus | None = None
    record_type: str | None = None
    record_id: relay.GlobalID | None = None
    process_id: relay.GlobalID | None = None
    submitted_by_id: relay.GlobalID | None = None


@strawberry.type(
    name="ApprovalDelegation",
    description="A user's approvals handed to another for a stretch of time",
)
class ApprovalDelegationType(relay.Node):
    node_id: relay.NodeID[str]
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None
    delegator_id: strawberry.Private[uuid.UUID]
    delegate_id: strawberry.Private[uuid.UUID]

    delegator = relation(column="delegator_id", target=None, type=UserType)
    delegate = relation(column="delegate_id", target=None, type=UserType)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, delegation.delegations_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ApprovalDelegationType:
        return cls(
            node_id=str(row["id"]),
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            revoked_at=row["revoked_at"],
            delegator_id=row["delegator_id"],
            delegate_id=row["delegate_id"],
        )


@strawberry.type(name="MyApproval", description="A request waiting on the caller's decision")
class MyApprovalType:
    cursor: str = strawberry.field(description="Pass as `after` for the next page")
    request: ApprovalRequestType
    on_behalf_of_id: strawberry.Private[uuid.UUID | None]
    on_behalf_of = relation(
        column="on_behalf_of_id",
        target=None,
        type=UserType,
        description="Set when the task is someone else's, delegated to the caller",
    )


@strawberry.type(name="MyApprovals")
class MyApprovalsType:
    count: int = strawberry.field(
        description="How many wait on the caller in all (with the filter)"
    )
    items: list[MyApprovalType]


def _uuid_of(value: relay.GlobalID | None, type_name: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_id(value, expected=type_name, field=field)


def _cursor(after: str | None) -> uuid.UUID | None:
    """A `myApprovals` cursor (the `cursor` of an item); anything else is BAD_USER_INPUT."""
    if not after:
        return None
    try:
        return uuid.UUID(after)
    except ValueError:
        raise InvalidInput.single(
            "after", "INVALID_CURSOR", "pass the cursor of an item of a previous page"
        ) from None


@strawberry.type
class ApprovalRequestQueries:
    @strawberry.field(
        **AUTH,
        description="Requests waiting on the caller's decision, their own and delegated to them, oldest first",
    )
    async def my_approvals(
        self,
        info: Info,
        filter: MyApprovalsFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> MyApprovalsType:
        given = filter or MyApprovalsFilter()
        rows, count = await queries.my_approvals(
            principal=principal_of(info),
            first=page_size(first),
            after=_cursor(after),
            filter=queries.TaskFilter(
                record_type=given.record_type,
                delegated=given.delegated,
                process_id=_uuid_of(given.process_id, "ApprovalProcess", "filter.processId"),
            ),
        )
        return MyApprovalsType(
            count=count,
            items=[
                MyApprovalType(
                    cursor=str(row["task_id"]),
                    request=ApprovalRequestType.from_row(row),
                    on_behalf_of_id=row["on_behalf_of"],
                )
                for row in rows
            ],
        )

    @strawberry.field(
        **AUTH,
        description="Approval requests, newest first: all for admins and managers, else those the caller "
        "submitted or takes part in",
    )
    async def approval_requests(
        self,
        info: Info,
        filter: ApprovalRequestFilter | None = None,
        first: int = 50,
        after: relay.GlobalID | None = None,
    ) -> list[ApprovalRequestType]:
        given = filter or ApprovalRequestFilter()
        record = None if given.record_id is None else (await _record(given.record_id))[1]
        rows = await queries.list_requests(
            principal=principal_of(info),
            first=page_size(first),
            after=_uuid_of(after, "ApprovalRequest", "after"),
            filter=queries.RequestFilter(
                status=given.status.value if given.status else None,
                record_type=given.record_type,
                record_id=record,
                process_id=_uuid_of(given.process_id, "ApprovalProcess", "filter.processId"),
                submitted_by=_uuid_of(given.submitted_by_id, "User", "filter.submittedById"),
            ),
        )
        return [ApprovalRequestType.from_row(row) for row in rows]

    @strawberry.field(**AUTH, description="One approval request the caller may see")
    async def approval_request(self, info: Info, id: relay.GlobalID) -> ApprovalRequestType:
        request_id = decode_id(id, expected="ApprovalRequest", field="id")
        return ApprovalRequestType.from_row(
            await requests.request_for(principal=principal_of(info), request_id=request_id)
        )

    @strawberry.field(**AUTH, description="Delegations the caller gave or received (not revoked)")
    async def approval_delegations(self, info: Info) -> list[ApprovalDelegationType]:
        return [
            ApprovalDelegationType.from_row(row)
            for row in await delegation.delegations_of(principal=principal_of(info))
        ]


@strawberry.type
class ApprovalRequestMutations:
    @strawberry.mutation(
        description="Submit a record for approval; its fields lock while the request is pending"
    )
    async def submit_for_approval(
        self, info: Info, input: SubmitForApprovalInput
    ) -> ApprovalRequestType:
        record_type, record_id = await _record(input.record_id)
        row = await requests.submit(
            principal=principal_of(info),
            record_type=record_type,
            record_id=record_id,
            process_id=_uuid_of(input.process_id, "ApprovalProcess", "processId"),
            comment=input.comment,
        )
        return ApprovalRequestType.from_row(row)

    @strawberry.mutation(
        description="Approve the current step (as an approver, a delegate, or an admin with override)"
    )
    async def approve(self, info: Info, input: DecideApprovalInput) -> ApprovalRequestType:
        return await _decide(info, input, approve=True)

    @strawberry.mutation(
        description="Reject the current step: the request is rejected, or goes back to the previous step"
    )
    async def reject(self, info: Info, input: DecideApprovalInput) -> ApprovalRequestType:
        return await _decide(info, input, approve=False)

    @strawberry.mutation(
        description="The submitter takes a pending request back; the record unlocks"
    )
    async def recall(self, info: Info, input: RecallApprovalInput) -> ApprovalRequestType:
        request_id = decode_id(input.request_id, expected="ApprovalRequest", field="requestId")
        return ApprovalRequestType.from_row(
            await requests.recall(
                principal=principal_of(info), request_id=request_id, comment=input.comment
            )
        )

    @strawberry.mutation(
        description="Admins: end a pending request that no longer applies (CANCELLED); the record "
        "unlocks and no outcome runs"
    )
    async def cancel_approval_request(
        self, info: Info, input: CancelApprovalInput
    ) -> ApprovalRequestType:
        request_id = decode_id(input.request_id, expected="ApprovalRequest", field="requestId")
        return ApprovalRequestType.from_row(
            await requests.cancel(
                principal=principal_of(info), request_id=request_id, comment=input.comment
            )
        )

    @strawberry.mutation(
        description="Hand your pending approval (admins: anyone's) of the current step to someone else"
    )
    async def reassign_approval(
        self, info: Info, input: ReassignApprovalInput
    ) -> ApprovalRequestType:
        row = await requests.reassign(
            principal=principal_of(info),
            request_id=decode_id(input.request_id, expected="ApprovalRequest", field="requestId"),
            to_user=decode_id(input.to_user_id, expected="User", field="toUserId"),
            from_user=_uuid_of(input.from_user_id, "User", "fromUserId"),
            comment=input.comment,
        )
        return ApprovalRequestType.from_row(row)

    @strawberry.mutation(
        description="Hand your approvals to someone else from startsAt to endsAt (out of office)"
    )
    async def create_approval_delegation(
        self, info: Info, input: CreateApprovalDelegationInput
    ) -> ApprovalDelegationType:
        row = await delegation.create_delegation(
            principal=principal_of(info),
            delegate_id=decode_id(input.delegate_id, expected="User", field="delegateId"),
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            delegator_id=_uuid_of(input.delegator_id, "User", "delegatorId"),
        )
        return ApprovalDelegationType.from_row(row)

    @strawberry.mutation(description="End a delegation now")
    async def revoke_approval_delegation(
        self, info: Info, input: ApprovalDelegationRefInput
    ) -> ApprovalDelegationType:
        row = await delegation.revoke_delegation(
            principal=principal_of(info),
            delegation_id=decode_id(input.id, expected="ApprovalDelegation", field="id"),
        )
        return ApprovalDelegationType.from_row(row)


async def _decide(info: Info, input: DecideApprovalInput, *, approve: bool) -> ApprovalRequestType:
    row = await requests.decide(
        principal=principal_of(info),
        approve=approve,
        comment=input.comment,
        version=input.version,
        request_id=decode_id(input.request_id, expected="ApprovalRequest", field="requestId"),
        override=input.override,
    )
    return ApprovalRequestType.from_row(row)
