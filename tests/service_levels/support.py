"""Helpers of the service-level tests: policies made through the API, tickets created and read at
fixed instants (domain.service_levels.clock.fixed_time; the app runs in the test's process)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from domain.service_levels.clock import fixed_time
from tests.support.graphql import gql
from tests.support.records import unique

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday

POLICY_FIELDS = (
    "id name position conditions calendar firstResponseMinutes nextResponseMinutes resolutionMinutes "
    "warningPercent enabled version escalations { level afterMinutes notify userId }"
)
CREATE_POLICY = f"mutation($input: CreateSlaPolicyInput!) {{ createSlaPolicy(input: $input) {{ {POLICY_FIELDS} }} }}"
SLA = (
    "sla { status firstResponseDueAt firstRespondedAt nextResponseDueAt resolutionDueAt pausedAt breachedAt "
    "policy { name } history { reason detail firstResponseDueAt resolutionDueAt nextResponseDueAt } }"
)
CREATE_TICKET = (
    f"mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{ id version {SLA} }} }}"
)
READ_TICKET = (
    f"query($id: ID!) {{ node(id: $id) {{ ... on Ticket {{ id version status {SLA} }} }} }}"
)
MOVE = f"""mutation($id: ID!, $v: Int!, $s: TicketStatus!) {{ changeTicketStatus(input: {{id: $id, version: $v, status: $s}}) {{
  id version status {SLA} }} }}"""
UPDATE_TICKET = (
    f"mutation($input: UpdateTicketInput!) {{ updateTicket(input: $input) {{ id version {SLA} }} }}"
)
LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"


async def make_policy(client, token: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", unique("SLA"))
    return (await gql(client, CREATE_POLICY, {"input": fields}, token=token)).data[
        "createSlaPolicy"
    ]


def for_category(category: str, **extra: Any) -> dict[str, Any]:
    """Conditions matching only this test's tickets (policies are tenant-wide and outlive tests)."""
    parts = [{"field": "category", "op": "eq", "value": category}]
    parts += [{"field": name, "op": "eq", "value": value} for name, value in extra.items()]
    return {"all": parts}


async def at(when: datetime, client, query: str, variables: dict[str, Any], token: str):
    with fixed_time(when):
        return await gql(client, query, variables, token=token)


async def open_ticket(client, token: str, when: datetime, **fields: Any) -> dict[str, Any]:
    fields.setdefault("subject", unique("Broken"))
    return (await at(when, client, CREATE_TICKET, {"input": fields}, token)).data["createTicket"]


async def read(client, token: str, ticket_id: str, when: datetime) -> dict[str, Any]:
    return (await at(when, client, READ_TICKET, {"id": ticket_id}, token)).data["node"]


async def move(
    client, token: str, ticket: dict[str, Any], status: str, when: datetime
) -> dict[str, Any]:
    moved = (
        await at(
            when, client, MOVE, {"id": ticket["id"], "v": ticket["version"], "s": status}, token
        )
    ).data
    return moved["changeTicketStatus"]


def iso(value: datetime) -> str:
    """As the API shows it (UTC)."""
    return value.astimezone(timezone.utc).isoformat()
