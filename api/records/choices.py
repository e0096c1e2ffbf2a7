"""The fixed choices of the standard records as GraphQL enums.

The domain keeps its values (plain text in rows, rules, filters and payloads); the API shows and
takes them as enums, whose values are those same texts. Each enum is a `str` Enum, so a row's text
is the enum's value as it is. `tests/crm/test_choices.py` checks that every enum holds exactly the
domain's values. Choices a tenant extends are custom SINGLE_SELECT and MULTI_SELECT fields,
listed with their options by the metadata queries (`object`, `standardFields`)."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Where a lead or customer is in the buying journey, in order")
class LifecycleStage(str, Enum):
    LEAD = "LEAD"
    MQL = "MQL"
    SQL = "SQL"
    OPPORTUNITY = "OPPORTUNITY"
    CUSTOMER = "CUSTOMER"
    ADVOCATE = "ADVOCATE"


@strawberry.enum(description="Where a lead is in its handling (CONVERTED is set by convertLead)")
class LeadStatus(str, Enum):
    NEW = "NEW"
    WORKING = "WORKING"
    NURTURING = "NURTURING"
    QUALIFIED = "QUALIFIED"
    DISQUALIFIED = "DISQUALIFIED"
    CONVERTED = "CONVERTED"


@strawberry.enum(description="Where a lead came from, and what a campaign runs on")
class MarketingChannel(str, Enum):
    WEB_FORM = "WEB_FORM"
    ADS = "ADS"
    SOCIAL = "SOCIAL"
    EVENT = "EVENT"
    REFERRAL = "REFERRAL"
    EMAIL = "EMAIL"
    WECOM = "WECOM"
    OTHER = "OTHER"


@strawberry.enum(description="How urgent a ticket is")
class TicketPriority(str, Enum):
    LOW = "LOW"
    NORMAL = "NORMAL"
    HIGH = "HIGH"
    URGENT = "URGENT"


@strawberry.enum(description="How a ticket reached the service team")
class TicketChannel(str, Enum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    WEB = "WEB"
    CHAT = "CHAT"
    WECOM = "WECOM"
    ONSITE = "ONSITE"
    OTHER = "OTHER"


@strawberry.enum(
    description="Where a ticket is in its status flow (changeTicketStatus moves it; see docs/api.md)"
)
class TicketStatus(str, Enum):
    NEW = "NEW"
    ACCEPTED = "ACCEPTED"
    DIAGNOSING = "DIAGNOSING"
    DISPATCHED = "DISPATCHED"
    WAITING_ON_CUSTOMER = "WAITING_ON_CUSTOMER"
    RESOLVED = "RESOLVED"
    FOLLOWED_UP = "FOLLOWED_UP"
    CLOSED = "CLOSED"
