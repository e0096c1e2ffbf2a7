"""GraphQL types of the CRM area. Rows come from the domain; related records come through the
per-request loaders, never one query per row."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm import loaders
from api.crm.custom_fields import WithCustomFields
from api.crm.prefetch import RELATIONS, Relation
from api.execution import Prefetched
from api.pagination import Connection, listing_connection, page_size
from api.permissions import principal_of
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.teams import TEAM_SPEC
from domain.identity.directory import users_by_id
from domain.records.field_access import field_rules, hidden
from domain.records.listing import get_records
from domain.records.spec import RecordSpec

MAX_NESTED_PAGE = 20


def _uuids(node_ids: Iterable[str]) -> list[uuid.UUID]:
    out = []
    for node_id in node_ids:
        try:
            out.append(uuid.UUID(node_id))
        except ValueError:
            pass
    return out


async def _resolve_nodes(cls: Any, spec: RecordSpec, info: Info, node_ids: Iterable[str]) -> list[Any]:
    wanted = list(node_ids)
    found = await get_records(spec, _uuids(wanted), principal=principal_of(info))
    by_id = {str(k): cls.from_row(v) for k, v in found.items()}
    return [by_id.get(node_id) for node_id in wanted]


@strawberry.type(name="User", description="A member of the tenant")
class UserType(relay.Node, Prefetched):
    # Attributes that are their column as it is, so a list can read just those (api/crm/prefetch.py).
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = ("email", "name", "role")
    node_id: relay.NodeID[str]
    email: str
    name: str
    role: str = strawberry.field(description="admin, manager, member, agent or viewer (in this tenant)")

    @classmethod
    def from_row(cls, row: dict[str, Any] | None) -> "UserType | None":
        if row is None:
            return None
        return cls(node_id=str(row["id"]), email=row["email"], name=row["name"], role=row["role"])

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        principal_of(info)
        wanted = list(node_ids)
        by_id = {str(k): cls.from_row(v) for k, v in (await users_by_id(_uuids(wanted))).items()}
        return [by_id.get(node_id) for node_id in wanted]


def _user(info: Info, user_id: uuid.UUID | None) -> Any:
    return loaders.related(loaders.users(info), user_id, UserType.from_row)


@strawberry.type(name="AuditEvent", description="One change to a record: who, when, and each field's old and new value")
class AuditEventType:
    id: strawberry.ID
    action: str
    occurred_at: datetime
    changes: JSON = strawberry.field(description="{field: [old, new]}")
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "AuditEventType":
        return cls(id=strawberry.ID(str(row["id"])), action=row["action"], occurred_at=row["occurred_at"],
                   changes=row["changes"], actor_id=row["actor_id"])

    @strawberry.field
    def actor(self, info: Info) -> UserType | None:
        return _user(info, self.actor_id)


async def _history(info: Info, spec: RecordSpec, record_id: uuid.UUID, first: int | None) -> Connection[AuditEventType]:
    size = min(page_size(first), MAX_NESTED_PAGE)
    listing = await loaders.history(info, spec, size).load(record_id)
    gone = hidden(await field_rules(principal_of(info), spec.record_type))
    if gone:  # the trail must not show values the caller's role may not see
        listing.rows = [{**row, "changes": {k: v for k, v in row["changes"].items() if k not in gone}} for row in listing.rows]
    return listing_connection(listing, AuditEventType.from_row)


# The attributes of Record that are their column as it is (see PLAIN_COLUMNS).
RECORD_COLUMNS = ("version", "created_at", "updated_at", "deleted_at")


@strawberry.interface(description="What every editable record has")
class Record(Prefetched):
    version: int = strawberry.field(description="Send it back with updates; a stale one is a CONFLICT")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@strawberry.type
class WithHistory:
    """Mixin: the record's audit trail (the class names its RecordSpec in SPEC)."""

    SPEC: ClassVar[RecordSpec]

    @strawberry.field(description="Who changed what and when, oldest first")
    async def history(self, info: Info, first: int | None = None) -> Connection[AuditEventType]:
        return await _history(info, self.SPEC, uuid.UUID(self.node_id), first)


@strawberry.type(name="Team")
class TeamType(relay.Node, Record, WithHistory):
    SPEC: ClassVar[RecordSpec] = TEAM_SPEC
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (*RECORD_COLUMNS, "name")
    node_id: relay.NodeID[str]
    name: str
    manager_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "TeamType":
        return cls(node_id=str(row["id"]), name=row["name"], manager_id=row["manager_id"], **_record(row))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, TEAM_SPEC, info, node_ids)

    @strawberry.field
    def manager(self, info: Info) -> UserType | None:
        return _user(info, self.manager_id)

    @strawberry.field
    async def members(self, info: Info) -> list[UserType]:
        ids = await loaders.team_members(info).load(uuid.UUID(self.node_id))
        return [u for u in [UserType.from_row(r) for r in await loaders.users(info).load_many(ids)] if u]


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {"version": row["version"], "created_at": row["created_at"], "updated_at": row["updated_at"],
            "deleted_at": row["deleted_at"]}


@strawberry.type
class Owned:
    """Mixin: the owner and team of an owned record."""

    owner_id: strawberry.Private[uuid.UUID | None]
    team_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    def owner(self, info: Info) -> UserType | None:
        return _user(info, self.owner_id)

    @strawberry.field
    def team(self, info: Info) -> TeamType | None:
        return _team(info, self.team_id)


@strawberry.type
class Tracked(WithHistory):
    """Mixin: tags, the activity timeline and the history of a record."""

    @strawberry.field
    async def tags(self, info: Info) -> list[str]:
        return await loaders.tag_names(info, self.SPEC).load(uuid.UUID(self.node_id))

    @strawberry.field(description="Activities logged on the record, oldest first")
    async def timeline(self, info: Info, first: int | None = None) -> Connection[
        Annotated["ActivityType", strawberry.lazy("api.crm.sales_types")]
    ]:
        from api.crm.sales_types import ActivityType

        size = min(page_size(first), MAX_NESTED_PAGE)
        listing = await loaders.timeline(info, self.SPEC, size).load(uuid.UUID(self.node_id))
        return listing_connection(listing, ActivityType.from_row)


@strawberry.type
class Address:
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@strawberry.type
class ExternalId:
    system: str
    id: str


@strawberry.type(name="Customer", description="An account: a company the tenant sells to or serves")
class CustomerType(relay.Node, Record, Owned, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = CUSTOMER_SPEC
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (
        *RECORD_COLUMNS, "name", "website", "domain", "industry", "size", "region", "tier", "credit_rating",
        "lifecycle_stage", "lifetime_value", "last_order_at")
    node_id: relay.NodeID[str]
    name: str
    website: str | None
    domain: str | None
    industry: str | None
    size: str | None
    region: str | None
    address: Address | None
    tier: str | None
    credit_rating: str | None
    lifecycle_stage: str | None
    external_ids: list[ExternalId]
    lifetime_value: Decimal
    last_order_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "CustomerType":
        address = row["address"]
        return cls(
            node_id=str(row["id"]), name=row["name"], website=row["website"], domain=row["domain"],
            industry=row["industry"], size=row["size"], region=row["region"],
            address=Address(**{_snake(k): v for k, v in address.items()}) if address else None,
            tier=row["tier"], credit_rating=row["credit_rating"], lifecycle_stage=row["lifecycle_stage"],
            external_ids=[ExternalId(system=e["system"], id=e["id"]) for e in row["external_ids"] or []],
            lifetime_value=row["lifetime_value"], last_order_at=row["last_order_at"],
            custom_data=row["custom_fields"], owner_id=row["owner_id"], team_id=row["team_id"], **_record(row),
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, CUSTOMER_SPEC, info, node_ids)

    @strawberry.field(description="The customer's contacts (first page; at most 20)")
    async def contacts(self, info: Info, first: int | None = None) -> Connection["ContactType"]:
        return await _children(info, CONTACT_SPEC, "customer_id", self.node_id, first, ContactType.from_row)

    @strawberry.field(description="The customer's opportunities (first page; at most 20)")
    async def opportunities(self, info: Info, first: int | None = None) -> Connection[
        Annotated["OpportunityType", strawberry.lazy("api.crm.sales_types")]
    ]:
        from api.crm.sales_types import OpportunityType
        from domain.crm.opportunities import OPPORTUNITY_SPEC

        return await _children(info, OPPORTUNITY_SPEC, "customer_id", self.node_id, first, OpportunityType.from_row)

    @strawberry.field(description="The customer's tickets (first page; at most 20)")
    async def tickets(self, info: Info, first: int | None = None) -> Connection[
        Annotated["TicketType", strawberry.lazy("api.crm.sales_types")]
    ]:
        from api.crm.sales_types import TicketType
        from domain.crm.tickets import TICKET_SPEC

        return await _children(info, TICKET_SPEC, "customer_id", self.node_id, first, TicketType.from_row)



@strawberry.type(name="Contact", description="A person, usually at a customer")
class ContactType(relay.Node, Record, Owned, Tracked, WithCustomFields):
    SPEC: ClassVar[RecordSpec] = CONTACT_SPEC
    PLAIN_COLUMNS: ClassVar[tuple[str, ...]] = (*RECORD_COLUMNS, "name", "title", "marketing_consent")
    node_id: relay.NodeID[str]
    name: str
    title: str | None
    emails: list[str]
    phones: list[str] = strawberry.field(description="E.164, e.g. +8613800138000")
    messaging_ids: JSON
    marketing_consent: bool
    customer_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "ContactType":
        return cls(
            node_id=str(row["id"]), name=row["name"], title=row["title"], emails=list(row["emails"]),
            phones=list(row["phones"]), messaging_ids=row["messaging_ids"],
            marketing_consent=row["marketing_consent"], custom_data=row["custom_fields"],
            customer_id=row["customer_id"], owner_id=row["owner_id"], team_id=row["team_id"], **_record(row),
        )

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _resolve_nodes(cls, CONTACT_SPEC, info, node_ids)

    @strawberry.field
    def customer(self, info: Info) -> CustomerType | None:
        return loaders.related(loaders.records(info, CUSTOMER_SPEC), self.customer_id, CustomerType.from_row)



def _team(info: Info, team_id: uuid.UUID | None) -> Any:
    return loaders.related(loaders.records(info, TEAM_SPEC), team_id, TeamType.from_row)


async def _children(info: Info, spec: RecordSpec, column: str, parent_id: str, first: int | None, convert: Any) -> Connection:
    size = min(page_size(first), MAX_NESTED_PAGE)
    listing = await loaders.children(info, spec, column, size).load(uuid.UUID(parent_id))
    return listing_connection(listing, convert)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


RELATIONS.update({
    CustomerType: {"owner": Relation("owner_id", None, UserType), "team": Relation("team_id", TEAM_SPEC, TeamType)},
    ContactType: {"owner": Relation("owner_id", None, UserType), "team": Relation("team_id", TEAM_SPEC, TeamType),
                  "customer": Relation("customer_id", CUSTOMER_SPEC, CustomerType)},
    TeamType: {"manager": Relation("manager_id", None, UserType)},
})
