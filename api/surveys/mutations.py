"""Sending a satisfaction survey by hand (resolving a ticket sends one by itself)."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.permissions import principal_of
from api.records.ids import decode_id
from api.surveys.types import SatisfactionSurveyType
from domain.surveys import service


@strawberry.input
class SendSatisfactionSurveyInput:
    ticket_id: relay.GlobalID


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(
        description="A new survey link for a resolved ticket (earlier links stay valid until they expire)"
    )
    async def send_satisfaction_survey(
        self, info: Info, input: SendSatisfactionSurveyInput
    ) -> SatisfactionSurveyType:
        ticket_id = decode_id(input.ticket_id, expected="Ticket", field="ticketId")
        return SatisfactionSurveyType.from_row(
            await service.send_survey(principal=principal_of(info), ticket_id=ticket_id)
        )
