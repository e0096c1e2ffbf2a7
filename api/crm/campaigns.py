"""Campaigns: where leads and deals come from. Their type, inputs, list and mutations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import strawberry
from strawberry import UNSET, relay
from strawberry.types import Info

from api.crm.listing import list_connection
from api.permissions import Authenticated
from api.records.choices import MarketingChannel
from api.records.crud import (
    RecordWrites,
    create_mutation,
    delete_mutation,
    restore_mutation,
    update_mutation,
)
from api.records.generated import filter_input, order_input
from api.records.pagination import Connection
from api.records.record import Record, from_columns, resolve_record_nodes
from domain.crm import campaigns
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.records.spec import RecordSpec


@strawberry.type(name="Campaign")
class CampaignType(relay.Node, Record):
    SPEC: ClassVar[RecordSpec] = CAMPAIGN_SPEC
    node_id: relay.NodeID[str]
    name: str
    channel: MarketingChannel
    cost: Decimal
    starts_on: date | None
    ends_on: date | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CampaignType:
        return from_columns(cls, row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_record_nodes(cls, CAMPAIGN_SPEC, info, node_ids)


CampaignFilter = filter_input(CAMPAIGN_SPEC)
CampaignOrder = order_input(CAMPAIGN_SPEC)


@strawberry.input
class CampaignFields:
    name: str | None = UNSET
    channel: MarketingChannel | None = UNSET
    cost: Decimal | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET


@strawberry.input
class CreateCampaignInput(CampaignFields):
    name: str
    channel: MarketingChannel


@strawberry.input
class UpdateCampaignInput(CampaignFields):
    id: relay.GlobalID
    version: int


@strawberry.type
class CampaignQueries:
    @strawberry.field(permission_classes=[Authenticated])
    async def campaigns(
        self,
        info: Info,
        filter: CampaignFilter | None = None,
        order_by: list[CampaignOrder] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CampaignType]:
        return await list_connection(
            info,
            CAMPAIGN_SPEC,
            CampaignType,
            filter,
            order_by,
            first,
            after,
            last=last,
            before=before,
        )


CAMPAIGN_WRITES = RecordWrites(
    CAMPAIGN_SPEC,
    CampaignType,
    create=campaigns.create_campaigns,
    update=campaigns.update_campaigns,
)


@strawberry.type
class CampaignMutations:
    update_campaign = update_mutation(CAMPAIGN_WRITES, UpdateCampaignInput)
    delete_campaign = delete_mutation(CAMPAIGN_WRITES)
    restore_campaign = restore_mutation(CAMPAIGN_WRITES)
    create_campaign = create_mutation(CAMPAIGN_WRITES, CreateCampaignInput)
