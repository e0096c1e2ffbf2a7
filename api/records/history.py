"""The audit trail of a record: who changed what and when, without the values the caller's role
may not see."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.names import client_name, domain_name
from api.permissions import principal_of
from api.records import loaders
from api.records.nodes import load_nodes
from api.records.pagination import Connection, Page, listing_connection, page_of
from api.records.relations import relation
from api.records.users import UserType
from domain.automation.targets import spec_of
from domain.crm.teams import TEAM_SPEC
from domain.errors import Forbidden, NotFound
from domain.identity.principal import Principal
from domain.records.audit import AUDIT_SPEC
from domain.records.by_ids import rows_by_ids
from domain.records.field_access import field_rules, hidden
from domain.records.global_ids import with_global_ids
from domain.records.listing import get_records
from domain.records.rows import decode_row
from domain.records.spec import RecordSpec


@strawberry.type(
    name="AuditEvent",
    description="One change to a record: who, when, and each field's old and new value",
)
class AuditEventType(relay.Node):
    node_id: relay.NodeID[str]
    action: str
    occurred_at: datetime
    changes: JSON = strawberry.field(description="{field: [old, new]}")
    actor_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEventType:
        return cls(
            node_id=str(row["id"]),
            action=row["action"],
            occurred_at=row["occurred_at"],
            # Stored in the domain's names (older entries: the client's); shown as clients name fields.
            changes=JSON({client_name(name): change for name, change in row["changes"].items()}),
            actor_id=row["actor_id"],
        )

    actor = relation(column="actor_id", target=None, type=UserType)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_nodes(cls, info, node_ids, _visible_events)


async def _visible_events(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The entries among `ids` of records the principal may see (as their `history` shows them,
    without the fields the role may not see); entries of other kinds of records are no nodes."""
    events = await rows_by_ids("audit_event", ids, decode=partial(decode_row, AUDIT_SPEC))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events.values():
        by_type.setdefault(event["record_type"], []).append(event)
    found = {}
    for record_type, of_type in by_type.items():
        spec = await _spec_with_history(record_type)
        if spec is None:
            continue
        try:
            visible = await get_records(
                spec, [e["record_id"] for e in of_type], principal=principal
            )
        except Forbidden:
            continue
        gone = hidden(await field_rules(principal, spec.record_type))
        for event in of_type:
            if event["record_id"] in visible:
                found[event["id"]] = shown(spec, gone, event)
    return found


async def _spec_with_history(record_type: str) -> RecordSpec | None:
    """The spec of the records whose `history` shows entries of `record_type`."""
    if record_type == TEAM_SPEC.record_type:
        return TEAM_SPEC
    try:
        return await spec_of(record_type)
    except NotFound:
        return None


async def history_connection(
    info: Info, spec: RecordSpec, record_id: uuid.UUID, page: Page
) -> Connection[AuditEventType]:
    """A page of a record's audit trail, oldest first."""
    listing = await loaders.history(info, spec, page).load(record_id)
    gone = hidden(await field_rules(principal_of(info), spec.record_type))
    return listing_connection(listing, lambda row: AuditEventType.from_row(shown(spec, gone, row)))


def shown(spec: RecordSpec, gone: set[str], event: dict[str, Any]) -> dict[str, Any]:
    """An audit entry as the caller sees it: without the values their role may not see, and
    with references to other records and members as global ids. Its keys are the domain's names
    (older entries: the client's); from_row shows them as clients name fields."""
    changes = {k: v for k, v in event["changes"].items() if domain_name(k) not in gone}
    return {**event, "changes": with_global_ids(spec, changes)}


@strawberry.type
class WithHistory:
    """Mixin: the record's audit trail (the class names its RecordSpec in SPEC)."""

    SPEC: ClassVar[RecordSpec]

    @strawberry.field(description="Who changed what and when, oldest first")
    async def history(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEventType]:
        page = page_of(first, after, last, before, nested=True)
        return await history_connection(info, self.SPEC, uuid.UUID(self.node_id), page)  # type: ignore[attr-defined]
