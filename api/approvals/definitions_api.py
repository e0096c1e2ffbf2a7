"""Queries and mutations of approval process definitions (admins write, everyone reads)."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.approvals.process_types import (
    ApprovalProcessType,
    CreateApprovalProcessInput,
    UpdateApprovalProcessInput,
    process_input,
)
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id
from domain.approvals import definitions

AUTH = AUTHENTICATED


@strawberry.input
class ApprovalProcessRefInput:
    id: relay.GlobalID


@strawberry.type
class ApprovalProcessQueries:
    @strawberry.field(
        **AUTH,
        description="The tenant's approval processes, optionally of one object, oldest first "
        "(the order submitForApproval tries them in)",
    )
    async def approval_processes(
        self, info: Info, object: str | None = None
    ) -> list[ApprovalProcessType]:
        rows = await definitions.list_processes(principal=principal_of(info), object_name=object)
        return [ApprovalProcessType.from_row(row) for row in rows]

    @strawberry.field(**AUTH, description="One approval process")
    async def approval_process(self, info: Info, id: relay.GlobalID) -> ApprovalProcessType:
        process_id = decode_id(id, expected="ApprovalProcess", field="id")
        return ApprovalProcessType.from_row(
            await definitions.get_process(process_id, principal=principal_of(info))
        )


@strawberry.type
class ApprovalProcessMutations:
    @strawberry.mutation(
        description="Define an approval process (admins); every problem is reported at once with its path"
    )
    async def create_approval_process(
        self, info: Info, input: CreateApprovalProcessInput
    ) -> ApprovalProcessType:
        return ApprovalProcessType.from_row(
            await definitions.create_process(
                principal=principal_of(info), input=process_input(input)
            )
        )

    @strawberry.mutation(
        description="Change a process against its version; requests under way keep the version they started on"
    )
    async def update_approval_process(
        self, info: Info, input: UpdateApprovalProcessInput
    ) -> ApprovalProcessType:
        process_id = decode_id(input.id, expected="ApprovalProcess", field="id")
        return ApprovalProcessType.from_row(
            await definitions.update_process(
                principal=principal_of(info),
                process_id=process_id,
                version=input.version,
                input=process_input(input),
            )
        )

    @strawberry.mutation(
        description="Delete a process; requests under way finish on their copy of it"
    )
    async def delete_approval_process(
        self, info: Info, input: ApprovalProcessRefInput
    ) -> ApprovalProcessType:
        process_id = decode_id(input.id, expected="ApprovalProcess", field="id")
        return ApprovalProcessType.from_row(
            await definitions.delete_process(principal=principal_of(info), process_id=process_id)
        )
