"""Queries of service levels: the SLA policies in the order they are tried."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.permissions import Authenticated, principal_of
from api.service_levels.types import SlaPolicyType
from domain.service_levels import policies


@strawberry.type
class ServiceLevelQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="The SLA policies, in the order they are tried "
        "(the first enabled one that matches applies)",
    )
    async def sla_policies(self, info: Info) -> list[SlaPolicyType]:
        return [
            SlaPolicyType.from_row(row)
            for row in await policies.list_policies(principal=principal_of(info))
        ]
