"""The GraphQL type of a satisfaction survey (a ticket's newest one is `Ticket.survey`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.records.ids import encode_id
from domain.surveys.service import link_of


@strawberry.type(
    name="SatisfactionSurvey",
    description="A survey link sent to a ticket's customer, and its answer",
)
class SatisfactionSurveyType:
    id: relay.GlobalID
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
    def from_row(cls, row: dict[str, Any]) -> SatisfactionSurveyType:
        return cls(
            id=encode_id("SatisfactionSurvey", row["id"]),
            link=link_of(row),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            answered_at=row["answered_at"],
            score=row["score"],
            comment=row["comment"],
        )
