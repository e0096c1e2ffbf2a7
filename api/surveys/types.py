"""The GraphQL type of a satisfaction survey (a ticket's newest one is `Ticket.survey`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.records.nodes import load_nodes
from domain.surveys.service import link_of, surveys_by_ids


@strawberry.type(
    name="SatisfactionSurvey",
    description="A survey link sent to a ticket's customer, and its answer",
)
class SatisfactionSurveyType(relay.Node):
    node_id: relay.NodeID[str]
    link: str = strawberry.field(
        description="The path of the public page (/surveys/<token>), on the API's address; "
        "send it to the customer"
    )
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None = strawberry.field(description="1 (very unhappy) to 5 (very happy)")
    comment: str | None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, surveys_by_ids)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SatisfactionSurveyType:
        return cls(
            node_id=str(row["id"]),
            link=link_of(row),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            answered_at=row["answered_at"],
            score=row["score"],
            comment=row["comment"],
        )
