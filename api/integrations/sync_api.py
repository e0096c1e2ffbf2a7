"""GraphQL of sync connections and their log (tenant admins)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.given import given_fields
from api.integrations.external import record_global_id
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id
from api.records.nodes import load_spec_nodes
from api.records.pagination import Connection, listing_connection, page_of
from domain.integrations.sync import connections
from domain.integrations.sync.connections import SYNC_SPEC

AUTH = AUTHENTICATED
SETTINGS_HELP = (
    '{"customerFields": {"name": "name", "region": "region"}, '
    '"conflicts": {"default": "newest", "fields": {"region": "erp"}}}'
)


@strawberry.type(
    name="SyncConnection", description="Two-way sync with another system through a connector"
)
class SyncConnectionType(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    connector: str
    system: str = strawberry.field(
        description="The name external ids of this system carry, e.g. erp"
    )
    base_url: str
    settings: JSON = strawberry.field(description=SETTINGS_HELP)
    interval_seconds: int
    enabled: bool
    last_run_at: datetime | None
    next_run_at: datetime
    last_error: str | None
    version: int

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await load_spec_nodes(cls, info, node_ids, SYNC_SPEC)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SyncConnectionType:
        return cls(
            node_id=str(row["id"]),
            name=row["name"],
            connector=row["connector"],
            system=row["system"],
            base_url=row["base_url"],
            settings=row["settings"],
            interval_seconds=row["interval_seconds"],
            enabled=row["enabled"],
            last_run_at=row["last_run_at"],
            next_run_at=row["next_run_at"],
            last_error=row["last_error"],
            version=row["version"],
        )


@strawberry.type(
    name="SyncLogEntry",
    description="One record pulled or pushed, or one run's summary (direction RUN)",
)
class SyncLogEntryType:
    direction: str
    stream: str | None
    external_id: str | None
    record_id: relay.GlobalID | None
    status: str = strawberry.field(description="APPLIED, UNCHANGED, SKIPPED or ERROR")
    detail: str | None
    run_id: strawberry.ID
    at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SyncLogEntryType:
        record = (
            record_global_id(row["record_type"], row["record_id"]) if row["record_id"] else None
        )
        return cls(
            direction=row["direction"],
            stream=row["stream"],
            external_id=row["external_id"],
            record_id=record,
            status=row["status"],
            detail=row["detail"],
            run_id=strawberry.ID(str(row["run_id"])),
            at=row["at"],
        )


@strawberry.input
class CreateSyncConnectionInput:
    name: str
    connector: str = strawberry.field(description="rest_erp")
    system: str
    base_url: str
    credentials: str | None = strawberry.field(
        default=None, description="Sent as a bearer token; never shown again"
    )
    settings: JSON | None = strawberry.field(default=None, description=SETTINGS_HELP)
    interval_seconds: int | None = None
    enabled: bool = True


@strawberry.input
class UpdateSyncConnectionInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    base_url: str | None = UNSET
    credentials: str | None = UNSET
    settings: JSON | None = UNSET
    interval_seconds: int | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class SyncConnectionRefInput:
    id: relay.GlobalID


_NAMES = {
    "name": "name",
    "connector": "connector",
    "system": "system",
    "base_url": "baseUrl",
    "credentials": "credentials",
    "settings": "settings",
    "interval_seconds": "intervalSeconds",
    "enabled": "enabled",
}


def _given(input: object) -> dict[str, Any]:
    given = given_fields(input, _NAMES)
    if given.get("intervalSeconds") is None:
        given.pop("intervalSeconds", None)
    return given


def _connection(value: relay.GlobalID) -> uuid.UUID:
    return decode_id(value, expected="SyncConnection", field="id")


@strawberry.type
class SyncQueries:
    @strawberry.field(**AUTH, description="The tenant's sync connections (admins)")
    async def sync_connections(self, info: Info) -> list[SyncConnectionType]:
        return [
            SyncConnectionType.from_row(r)
            for r in await connections.list_connections(principal=principal_of(info))
        ]

    @strawberry.field(
        **AUTH, description="What syncs did, newest first: per record and per run (admins)"
    )
    async def sync_log(
        self,
        info: Info,
        connection_id: relay.GlobalID | None = None,
        status: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SyncLogEntryType]:
        connection = (
            decode_id(connection_id, expected="SyncConnection", field="connectionId")
            if connection_id
            else None
        )
        listing = await connections.page_sync_log(
            principal=principal_of(info),
            connection_id=connection,
            status=status,
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, SyncLogEntryType.from_row)


@strawberry.type
class SyncMutations:
    @strawberry.mutation(description="Connect another system (admins)")
    async def create_sync_connection(
        self, info: Info, input: CreateSyncConnectionInput
    ) -> SyncConnectionType:
        row = await connections.create_connection(principal=principal_of(info), input=_given(input))
        return SyncConnectionType.from_row(await connections.load_connection(row["id"]))

    @strawberry.mutation(description="Change a sync connection against its version")
    async def update_sync_connection(
        self, info: Info, input: UpdateSyncConnectionInput
    ) -> SyncConnectionType:
        row = await connections.update_connection(
            principal=principal_of(info),
            connection_id=_connection(input.id),
            version=input.version,
            input=_given(input),
        )
        return SyncConnectionType.from_row(await connections.load_connection(row["id"]))

    @strawberry.mutation(
        description="Delete a sync connection; the records and their external ids stay"
    )
    async def delete_sync_connection(self, info: Info, input: SyncConnectionRefInput) -> bool:
        await connections.delete_connection(
            principal=principal_of(info), connection_id=_connection(input.id)
        )
        return True

    @strawberry.mutation(
        description="Run the sync now (the scheduler takes it within its next pass)"
    )
    async def run_sync_now(self, info: Info, input: SyncConnectionRefInput) -> SyncConnectionType:
        return SyncConnectionType.from_row(
            await connections.run_soon(
                principal=principal_of(info), connection_id=_connection(input.id)
            )
        )
