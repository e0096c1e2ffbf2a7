"""Typed rows of the CRM's standard records: what the domain reads from the database and returns
(`<Type>Row`, the table's columns), and the values its write flows take (`<Type>Values`, by field
name; absent fields stay as they are). mypy checks the domain's use of them; the API reads rows as
mappings. Kept equal to the specs by tests/records/test_typed_rows.py: a column added to a spec
is added here too.

Custom objects' records stay `dict[str, Any]`: their fields are the tenant's, defined at run
time, so no static type can name them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict


class CustomerRow(TypedDict):
    """A row of `customer` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    name: str | None
    website: str | None
    domain: str | None
    industry: str | None
    size: str | None
    region: str | None
    address: dict[str, Any] | None
    tier: str | None
    credit_rating: str | None
    lifecycle_stage: str | None
    external_ids: dict[str, Any] | None
    lifetime_value: Decimal | None
    last_order_at: datetime | None
    custom_fields: dict[str, Any] | None
    deleted_at: datetime | None


class CustomerValues(TypedDict, total=False):
    """What a write of a Customer may set, by field name (absent: unchanged)."""

    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    name: str | None
    website: str | None
    domain: str | None
    industry: str | None
    size: str | None
    region: str | None
    address: dict[str, Any] | None
    tier: str | None
    credit_rating: str | None
    lifecycle_stage: str | None
    external_ids: dict[str, Any] | None
    lifetime_value: Decimal | None
    last_order_at: datetime | None
    custom_fields: dict[str, Any] | None


class ContactRow(TypedDict):
    """A row of `contact` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    name: str | None
    title: str | None
    emails: list[str] | None
    phones: list[str] | None
    messaging_ids: dict[str, Any] | None
    marketing_consent: bool | None
    custom_fields: dict[str, Any] | None
    deleted_at: datetime | None


class ContactValues(TypedDict, total=False):
    """What a write of a Contact may set, by field name (absent: unchanged)."""

    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    name: str | None
    title: str | None
    emails: list[str] | None
    phones: list[str] | None
    messaging_ids: dict[str, Any] | None
    marketing_consent: bool | None
    custom_fields: dict[str, Any] | None


class LeadRow(TypedDict):
    """A row of `lead` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    person_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    source_channel: str | None
    campaign_id: uuid.UUID | None
    region: str | None
    industry: str | None
    lifecycle_stage: str | None
    status: str | None
    score: int | None
    last_activity_at: datetime | None
    converted_at: datetime | None
    converted_customer_id: uuid.UUID | None
    converted_contact_id: uuid.UUID | None
    converted_opportunity_id: uuid.UUID | None
    converted_customer_linked: bool | None
    converted_contact_linked: bool | None
    custom_fields: dict[str, Any] | None
    deleted_at: datetime | None


class LeadValues(TypedDict, total=False):
    """What a write of a Lead may set, by field name (absent: unchanged)."""

    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    person_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    source_channel: str | None
    campaign_id: uuid.UUID | None
    region: str | None
    industry: str | None
    lifecycle_stage: str | None
    status: str | None
    score: int | None
    last_activity_at: datetime | None
    converted_at: datetime | None
    converted_customer_id: uuid.UUID | None
    converted_contact_id: uuid.UUID | None
    converted_opportunity_id: uuid.UUID | None
    converted_customer_linked: bool | None
    converted_contact_linked: bool | None
    custom_fields: dict[str, Any] | None


class OpportunityRow(TypedDict):
    """A row of `opportunity` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    name: str | None
    customer_id: uuid.UUID | None
    primary_contact_id: uuid.UUID | None
    pipeline_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    amount: Decimal | None
    currency: str | None
    expected_close_date: date | None
    probability: int | None
    campaign_id: uuid.UUID | None
    channel: str | None
    close_reason: str | None
    closed_at: datetime | None
    last_activity_at: datetime | None
    custom_fields: dict[str, Any] | None
    deleted_at: datetime | None


class OpportunityValues(TypedDict, total=False):
    """What a write of a Opportunity may set, by field name (absent: unchanged)."""

    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    name: str | None
    customer_id: uuid.UUID | None
    primary_contact_id: uuid.UUID | None
    pipeline_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    amount: Decimal | None
    currency: str | None
    expected_close_date: date | None
    probability: int | None
    campaign_id: uuid.UUID | None
    channel: str | None
    close_reason: str | None
    closed_at: datetime | None
    last_activity_at: datetime | None
    custom_fields: dict[str, Any] | None


class TicketRow(TypedDict):
    """A row of `ticket` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    subject: str | None
    description: str | None
    customer_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    category: str | None
    priority: str | None
    channel: str | None
    status: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    satisfaction_score: int | None
    satisfaction_comment: str | None
    satisfaction_at: datetime | None
    custom_fields: dict[str, Any] | None
    deleted_at: datetime | None


class TicketValues(TypedDict, total=False):
    """What a write of a Ticket may set, by field name (absent: unchanged)."""

    assignee_id: uuid.UUID | None
    team_id: uuid.UUID | None
    subject: str | None
    description: str | None
    customer_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    category: str | None
    priority: str | None
    channel: str | None
    status: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    satisfaction_score: int | None
    satisfaction_comment: str | None
    satisfaction_at: datetime | None
    custom_fields: dict[str, Any] | None


class ActivityRow(TypedDict):
    """A row of `activity` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    kind: str | None
    subject: str | None
    body: str | None
    record_type: str | None
    record_id: uuid.UUID | None
    occurred_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None
    deleted_at: datetime | None


class ActivityValues(TypedDict, total=False):
    """What a write of a Activity may set, by field name (absent: unchanged)."""

    owner_id: uuid.UUID | None
    team_id: uuid.UUID | None
    kind: str | None
    subject: str | None
    body: str | None
    record_type: str | None
    record_id: uuid.UUID | None
    occurred_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None


class CampaignRow(TypedDict):
    """A row of `campaign` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    name: str | None
    channel: str | None
    cost: Decimal | None
    starts_on: date | None
    ends_on: date | None
    deleted_at: datetime | None


class CampaignValues(TypedDict, total=False):
    """What a write of a Campaign may set, by field name (absent: unchanged)."""

    name: str | None
    channel: str | None
    cost: Decimal | None
    starts_on: date | None
    ends_on: date | None


class TeamRow(TypedDict):
    """A row of `team` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    name: str | None
    manager_id: uuid.UUID | None
    deleted_at: datetime | None


class TeamValues(TypedDict, total=False):
    """What a write of a Team may set, by field name (absent: unchanged)."""

    name: str | None
    manager_id: uuid.UUID | None


class PipelineRow(TypedDict):
    """A row of `pipeline` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    name: str | None
    is_default: bool | None
    enforce_stage_rules: bool | None
    deleted_at: datetime | None


class PipelineValues(TypedDict, total=False):
    """What a write of a Pipeline may set, by field name (absent: unchanged)."""

    name: str | None
    is_default: bool | None
    enforce_stage_rules: bool | None


class StageRow(TypedDict):
    """A row of `stage` as the domain reads and returns it."""

    tenant_id: uuid.UUID
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    pipeline_id: uuid.UUID | None
    name: str | None
    position: int | None
    probability: int | None
    kind: str | None
    required_fields: list[str] | None
    allowed_next_stage_ids: list[uuid.UUID] | None
    deleted_at: datetime | None


class StageValues(TypedDict, total=False):
    """What a write of a Stage may set, by field name (absent: unchanged)."""

    pipeline_id: uuid.UUID | None
    name: str | None
    position: int | None
    probability: int | None
    kind: str | None
    required_fields: list[str] | None
    allowed_next_stage_ids: list[uuid.UUID] | None
