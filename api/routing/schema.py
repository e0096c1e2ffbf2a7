"""`memberRouting` (every signed-in user reads who is away) and `setMemberRouting` (admins and
managers for anyone, every member for themselves)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import Authenticated, principal_of
from api.records.ids import decode_id
from domain.routing import RoutingFacts, list_routing, set_routing


@strawberry.type(
    name="MemberRouting",
    description="When a member is away and which ticket categories they handle",
)
class MemberRoutingType:
    user_id: relay.GlobalID
    away_from: dt.date | None = strawberry.field(
        description="First day away (the tenant's dates), null: open start"
    )
    away_until: dt.date | None = strawberry.field(
        description="Last day away, included; null: open end"
    )
    skills: list[str] = strawberry.field(description="Ticket categories the member handles")

    @classmethod
    def of(cls, facts: RoutingFacts) -> MemberRoutingType:
        return cls(
            user_id=relay.GlobalID("User", str(facts.user_id)),
            away_from=facts.away_from,
            away_until=facts.away_until,
            skills=list(facts.skills),
        )


@strawberry.input
class SetMemberRoutingInput:
    user_id: relay.GlobalID
    away_from: dt.date | None = None
    away_until: dt.date | None = None
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class RoutingQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="Members' away dates and skills (members with any set)",
    )
    async def member_routing(self, info: Info) -> list[MemberRoutingType]:
        principal_of(info)
        return [MemberRoutingType.of(facts) for facts in await list_routing()]


@strawberry.type
class RoutingMutations:
    @strawberry.mutation(
        description="Set a member's away dates and skills (admins and managers; anyone for themselves)"
    )
    async def set_member_routing(
        self, info: Info, input: SetMemberRoutingInput
    ) -> MemberRoutingType:
        user_id = decode_id(input.user_id, expected="User", field="userId")
        facts = await set_routing(
            principal=principal_of(info),
            user_id=user_id,
            away_from=input.away_from,
            away_until=input.away_until,
            skills=input.skills,
        )
        return MemberRoutingType.of(facts)
