"""Mutations of service levels: SLA policies (admins)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET, relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.given import given_fields
from api.permissions import principal_of
from api.records.ids import decode_id
from api.service_levels.types import SlaNotify, SlaPolicyType
from domain.errors import FieldError, InvalidInput
from domain.service_levels import policies
from domain.service_levels.clocks import POLICY_COLUMNS


@strawberry.input(description="One escalation level (each level once)")
class SlaEscalationInput:
    level: int = strawberry.field(description="1, 2 or 3")
    notify: SlaNotify
    after_minutes: int = strawberry.field(
        default=0, description="Business minutes past the resolution due time"
    )
    user_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The user a USER level notifies"
    )


@strawberry.input
class SlaPolicyFields:
    conditions: JSON | None = strawberry.field(
        default=UNSET,
        description="A condition tree on the ticket as in automation "
        "rules (docs/automations.md); null: every ticket",
    )
    calendar: str | None = strawberry.field(
        default=UNSET,
        description="A named business calendar of the tenant "
        "settings, `default` for the tenant's default one; null: 24x7",
    )
    first_response_minutes: int | None = UNSET
    next_response_minutes: int | None = UNSET
    resolution_minutes: int | None = UNSET
    warning_percent: int | None = strawberry.field(
        default=UNSET, description="1-99; 75 when left out"
    )
    escalations: list[SlaEscalationInput] | None = UNSET
    enabled: bool | None = UNSET


@strawberry.input
class CreateSlaPolicyInput(SlaPolicyFields):
    name: str


@strawberry.input
class UpdateSlaPolicyInput(SlaPolicyFields):
    id: relay.GlobalID
    version: int
    name: str | None = UNSET


@strawberry.input
class SlaPolicyRefInput:
    id: relay.GlobalID


@strawberry.input
class ReorderSlaPoliciesInput:
    ids: list[relay.GlobalID] = strawberry.field(
        description="Every policy, in the order they are to be tried"
    )


# The policy's fields, as the domain names them (the input's attribute names): its own and the
# ones a ticket's clock copies from it.
_NAMES = {name: name for name in ("name", "conditions", "enabled", *POLICY_COLUMNS)}


def _given(input: Any) -> dict[str, Any]:
    given = given_fields(input, _NAMES)
    if "escalations" in given:
        levels, errors = [], []
        for n, level in enumerate(given["escalations"] or []):
            user_id = None
            if level.user_id is not None:
                try:
                    user_id = str(
                        decode_id(level.user_id, expected="User", field=f"escalations.{n}.userId")
                    )
                except InvalidInput as exc:
                    errors += exc.field_errors
            levels.append(
                {
                    "level": level.level,
                    "afterMinutes": level.after_minutes,
                    "notify": level.notify.value,
                    **({"userId": user_id} if user_id else {}),
                }
            )
        if errors:
            raise InvalidInput(errors)
        given["escalations"] = levels
    if given.get("enabled", True) is None:
        raise InvalidInput([FieldError("enabled", "REQUIRED", "true or false")])
    return given


@strawberry.type
class ServiceLevelMutations:
    @strawberry.mutation(description="Create an SLA policy, tried after the existing ones (admins)")
    async def create_sla_policy(self, info: Info, input: CreateSlaPolicyInput) -> SlaPolicyType:
        return SlaPolicyType.from_row(
            await policies.create_policy(principal=principal_of(info), input=_given(input))
        )

    @strawberry.mutation(
        description="Change an SLA policy against its version; running clocks keep their targets "
        "until their ticket is re-targeted (admins)"
    )
    async def update_sla_policy(self, info: Info, input: UpdateSlaPolicyInput) -> SlaPolicyType:
        policy_id = decode_id(input.id, expected="SlaPolicy", field="id")
        return SlaPolicyType.from_row(
            await policies.update_policy(
                principal=principal_of(info),
                policy_id=policy_id,
                version=input.version,
                input=_given(input),
            )
        )

    @strawberry.mutation(
        description="Delete an SLA policy; running clocks keep its targets (admins)"
    )
    async def delete_sla_policy(self, info: Info, input: SlaPolicyRefInput) -> SlaPolicyType:
        policy_id = decode_id(input.id, expected="SlaPolicy", field="id")
        return SlaPolicyType.from_row(
            await policies.delete_policy(principal=principal_of(info), policy_id=policy_id)
        )

    @strawberry.mutation(description="Set the order in which SLA policies are tried (admins)")
    async def reorder_sla_policies(
        self, info: Info, input: ReorderSlaPoliciesInput
    ) -> list[SlaPolicyType]:
        ids = [
            decode_id(i, expected="SlaPolicy", field=f"ids.{n}") for n, i in enumerate(input.ids)
        ]
        return [
            SlaPolicyType.from_row(r)
            for r in await policies.reorder_policies(principal=principal_of(info), ids=ids)
        ]
