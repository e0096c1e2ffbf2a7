"""Mutations of duplicate rules (admins)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.duplicates.types import DuplicateRuleType
from api.given import given_fields
from api.permissions import principal_of
from api.records.ids import decode_id
from api.records.relations import lazy_type, resolve_type
from domain.duplicates import admin, scan

CONDITIONS = (
    "[{field, match: EXACT | FUZZY, threshold?: 50-100 (FUZZY, default 90), compareAs?: TEXT | COMPANY_NAME | "
    "PERSON_NAME (text fields of custom objects)}], all of which must hold"
)


@strawberry.input
class CreateDuplicateRuleInput:
    object: str = strawberry.field(
        description="Customer, Contact, Lead or a custom object's api name"
    )
    name: str
    action: str = strawberry.field(description="ALLOW, WARN or BLOCK")
    conditions: JSON = strawberry.field(description=CONDITIONS)
    active: bool = True


@strawberry.input
class UpdateDuplicateRuleInput:
    id: relay.GlobalID
    version: int
    name: str | None = UNSET
    action: str | None = UNSET
    conditions: JSON | None = strawberry.field(default=UNSET, description=CONDITIONS)
    active: bool | None = UNSET


JobType = lazy_type("api.jobs.types", "JobType")


@strawberry.input
class StartDuplicateScanInput:
    object: str = strawberry.field(
        description="Customer, Contact, Lead or a custom object's api name"
    )


@strawberry.input
class DuplicateRuleRefInput:
    id: relay.GlobalID


@strawberry.type
class DuplicateMutations:
    @strawberry.mutation(description="Create a duplicate rule (admins)")
    async def create_duplicate_rule(
        self, info: Info, input: CreateDuplicateRuleInput
    ) -> DuplicateRuleType:
        given = given_fields(
            input, {name: name for name in ("object", "name", "action", "conditions", "active")}
        )
        return DuplicateRuleType.from_row(
            await admin.create_rule(principal=principal_of(info), input=given)
        )

    @strawberry.mutation(
        description="Change, activate or deactivate a duplicate rule against its version (admins)"
    )
    async def update_duplicate_rule(
        self, info: Info, input: UpdateDuplicateRuleInput
    ) -> DuplicateRuleType:
        rule_id = decode_id(input.id, expected="DuplicateRule", field="id")
        given = given_fields(
            input, {name: name for name in ("name", "action", "conditions", "active")}
        )
        return DuplicateRuleType.from_row(
            await admin.update_rule(
                principal=principal_of(info), rule_id=rule_id, version=input.version, input=given
            )
        )

    @strawberry.mutation(description="Delete a duplicate rule (admins)")
    async def delete_duplicate_rule(
        self, info: Info, input: DuplicateRuleRefInput
    ) -> DuplicateRuleType:
        rule_id = decode_id(input.id, expected="DuplicateRule", field="id")
        return DuplicateRuleType.from_row(
            await admin.delete_rule(principal=principal_of(info), rule_id=rule_id)
        )

    @strawberry.mutation(
        graphql_type=JobType,
        description=(
            "Scan every record of an object for duplicates under the active rules, as a background job (admins); the job's "
            "result groups the records into sets: {object, recordsScanned, setsCount, sets: [{recordIds, rules}]}"
        ),
    )
    async def start_duplicate_scan(self, info: Info, input: StartDuplicateScanInput) -> Any:
        row = await scan.start_scan(principal=principal_of(info), record_type=input.object)
        return resolve_type(JobType).from_row(row)
