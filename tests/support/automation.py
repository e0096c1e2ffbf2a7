"""Running the automation pipeline in the test process: the relay's claim of pending events and
the worker's actor on each, the way `tessera relay` and `tessera worker` do, until no event is left
(rules may cause more events). Bounded in rounds."""

from __future__ import annotations

from typing import Any

from tests.support.graphql import gql

CREATE_RULE = (
    "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) "
    "{ id name version enabled actions } }"
)
RUNS = "query($rule: ID) { automationRuns(ruleId: $rule, first: 100) { edges { node { id status attempts reason steps ruleVersion recordId depth } } } }"
MAX_ROUNDS = 10


async def deliver(events_seen: list | None = None) -> int:
    """Relay and dispatch every pending event (and the events their rules cause); returns how many."""
    from workers.events import deliver_event
    from workers.relay import relay_once

    total = 0
    for _ in range(MAX_ROUNDS):
        batch: list[Any] = []
        if not await relay_once(batch.append):
            return total
        for event in batch:
            await deliver_event(str(event.tenant_id), str(event.id))
        total += len(batch)
        if events_seen is not None:
            events_seen += batch
    return total


async def retry_due(hours_ahead: float = 1) -> int:
    """A scheduler pass with the clock moved forward: runs waiting for a retry (or a wait) go on."""
    from datetime import datetime, timedelta, timezone

    from workers.scheduler import schedule_once

    return await schedule_once(datetime.now(timezone.utc) + timedelta(hours=hours_ahead))


async def exhaust_retries() -> None:
    """Let every retrying run use up its attempts (the engine allows 4)."""
    from domain.automation.engine import RETRY_DELAYS

    for _ in RETRY_DELAYS:
        await retry_due()


async def make_rule(client, token: str, **fields: Any) -> dict[str, Any]:
    return (await gql(client, CREATE_RULE, {"input": fields}, token=token)).data[
        "createAutomationRule"
    ]


async def runs_of(
    client, token: str, rule_id: str, *, unmatched: bool = False
) -> list[dict[str, Any]]:
    """The rule's runs; without `unmatched`, not the ones skipped because their record did not meet
    the conditions (other tests' records pass by in the shared tenant)."""
    runs = (await gql(client, RUNS, {"rule": rule_id}, token=token)).nodes("automationRuns")
    return runs if unmatched else [r for r in runs if r["reason"] != "conditions not met"]


async def disable(client, token: str, rule: dict[str, Any]) -> None:
    current = (await gql(client, "{ automationRules { id version } }", token=token)).data[
        "automationRules"
    ]
    version = next(r["version"] for r in current if r["id"] == rule["id"])
    await gql(
        client,
        "mutation($i: UpdateAutomationRuleInput!) { updateAutomationRule(input: $i) { enabled } }",
        {"i": {"id": rule["id"], "version": version, "enabled": False}},
        token=token,
    )
