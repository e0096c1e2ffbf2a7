"""The tenant's members: the `members` connection (pickers and the admins' people page) and what
admins do with members (invite, change role, deactivate, reactivate). The rules live in
domain/identity; the User type records point at is the kernel's (api/records/users.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import Authenticated, principal_of
from api.records.pagination import Connection, listing_connection, page_of
from api.records.users import Role, UserType
from domain.errors import InvalidInput, NotFound
from domain.identity import invitations, members
from domain.identity.members import MemberStatus as DomainMemberStatus
from domain.identity.roles import Role as DomainRole

strawberry.enum(
    DomainMemberStatus,
    name="MemberStatus",
    description="INVITED: invitation pending; ACTIVE; DEACTIVATED: can no longer sign in",
)
MemberStatus = DomainMemberStatus


@strawberry.type(name="Member", description="A person's membership of the tenant")
class MemberType(relay.Node):
    member_id: relay.NodeID[str]
    email: str
    name: str
    role: Role
    status: MemberStatus
    time_zone: str | None = strawberry.field(description="IANA zone; null: the tenant's")
    locale: str | None
    joined_at: datetime = strawberry.field(description="When the membership was created")
    invited_at: datetime | None
    deactivated_at: datetime | None

    @strawberry.field(description="The same person as records point at them (owners, assignees)")
    def user(self) -> UserType:
        return UserType(node_id=self.member_id, email=self.email, name=self.name, role=self.role)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> MemberType:
        return cls(
            member_id=str(row["id"]),
            email=row["email"],
            name=row["name"],
            role=Role(row["role"]),
            status=MemberStatus(row["status"]),
            time_zone=row["time_zone"],
            locale=row["locale"],
            joined_at=row["created_at"],
            invited_at=row["invited_at"],
            deactivated_at=row["deactivated_at"],
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]  # relay.Node's overloads, answered by one signature
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[MemberType | None]:
        principal = principal_of(info)
        wanted = list(node_ids)
        found = await members.get_members([i for i in map(_uuid_or_none, wanted) if i])
        admin = principal.has_role(DomainRole.ADMIN)
        by_id = {
            str(k): cls.from_row(row)
            for k, row in found.items()
            if admin or row["status"] == MemberStatus.ACTIVE.value
        }
        return [by_id.get(node_id) for node_id in wanted]


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def member_uuid(id: relay.GlobalID, field: str = "id") -> uuid.UUID:
    """A member named by its Member id or its User id (the same person)."""
    if id.type_name not in ("Member", "User"):
        raise InvalidInput.single(field, "WRONG_TYPE", "id is not a Member or User id")
    found = _uuid_or_none(id.node_id)
    if found is None:
        raise NotFound("Member not found")
    return found


@strawberry.type
class MemberQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The tenant's members by name. Admins see every status (filter with `status`); "
        "everyone else sees active members only (owner and assignee pickers)",
    )
    async def members(
        self,
        info: Info,
        search: str | None = None,
        role: Role | None = None,
        status: list[MemberStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MemberType]:
        page = page_of(first, after, last, before)  # the same checks as every connection
        listing = await members.list_members_page(
            principal=principal_of(info),
            search=search,
            role=role,
            statuses=status,
            first=None if page.backward else page.size,
            after=after,
            last=page.size if page.backward else None,
            before=before,
        )
        return listing_connection(listing, MemberType.from_row)


@strawberry.input
class InviteMemberInput:
    email: str
    role: Role
    name: str = ""


@strawberry.input
class ChangeMemberRoleInput:
    id: relay.GlobalID = strawberry.field(description="A Member id (or the person's User id)")
    role: Role


@strawberry.input
class MemberInput:
    id: relay.GlobalID = strawberry.field(description="A Member id (or the person's User id)")


@strawberry.type
class MemberMutations:
    @strawberry.mutation(
        description="Invite someone by email: they get a single-use, expiring link to set a "
        "password. Inviting a pending address again sends a new link (the old one stops working)"
    )
    async def invite_member(self, info: Info, input: InviteMemberInput) -> MemberType:
        row = await invitations.invite_member(
            principal=principal_of(info), email=input.email, role=input.role, name=input.name
        )
        return MemberType.from_row(row)

    @strawberry.mutation(description="Give a member another role; the last active admin stays one")
    async def change_member_role(self, info: Info, input: ChangeMemberRoleInput) -> MemberType:
        return MemberType.from_row(
            await members.change_member_role(user_id=member_uuid(input.id), role=input.role)
        )

    @strawberry.mutation(
        description="Stop a member at once: sessions end, API tokens are revoked, pending links "
        "die. The last active admin cannot be deactivated"
    )
    async def deactivate_member(self, info: Info, input: MemberInput) -> MemberType:
        return MemberType.from_row(await members.deactivate_member(user_id=member_uuid(input.id)))

    @strawberry.mutation(description="Let a deactivated member sign in again")
    async def reactivate_member(self, info: Info, input: MemberInput) -> MemberType:
        return MemberType.from_row(await members.reactivate_member(user_id=member_uuid(input.id)))
