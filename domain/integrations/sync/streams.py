"""Applying pulled changes: customers (two-way, by the connection's field map and conflict
policy) and orders (from the system: an order becomes an opportunity of its customer; PAID moves
it to a won stage, CANCELLED to a lost one, and the customer's lifetime value and last order date
follow from its paid orders)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from domain.automation.targets import create_values, record_values, update_values
from domain.errors import InvalidInput, NotFound
from domain.integrations import external_ids
from domain.integrations.sync.connector import ExternalChange
from domain.integrations.sync.state import Ctx, norm, save_state, state_of
from tenants.context import current_tenant_id, tenant_connection

ORDER_FIELDS = ("customer_id", "amount", "status", "opportunity_ref", "paid_at")


def owner(ctx: Ctx, field: str) -> str:
    conflicts = ctx.settings["conflicts"]
    side: str = conflicts["fields"].get(field, conflicts["default"])
    return side


def pushable(ctx: Ctx, values: dict[str, Any]) -> dict[str, str | None]:
    """Our values of the mapped fields the system does not own."""
    return {
        field: norm(values.get(field))
        for field in ctx.settings["customerFields"]
        if owner(ctx, field) != "erp"
    }


async def pull_customer(ctx: Ctx, change: ExternalChange) -> tuple[str, str, uuid.UUID]:
    theirs = {
        field: norm(change.data.get(their_field))
        for field, their_field in ctx.settings["customerFields"].items()
    }
    state = await state_of(ctx, "customers", change.external_id)
    if state and all(state["agreed"].get(f) == v for f, v in theirs.items()):
        return "UNCHANGED", "Customer", state["record_id"]  # the same change again, or our own echo
    record_id = (
        state["record_id"]
        if state
        else await external_ids.find("Customer", ctx.system, change.external_id)
    )
    if record_id is None:
        record_id = await create_values(
            "Customer", {f: v for f, v in theirs.items() if v is not None}, principal=ctx.principal
        )
        await external_ids.link("Customer", record_id, ctx.system, change.external_id)
        await save_state(
            ctx, "customers", change.external_id, "Customer", record_id, theirs, change.updated_at
        )
        return "APPLIED", "Customer", record_id
    local = await record_values("Customer", record_id)
    if local is None or local["deleted"]:
        raise NotFound("the customer was deleted in Tessera")
    agreed = dict(state["agreed"]) if state else {}
    take: dict[str, Any] = {}
    for field, value in theirs.items():
        mine = norm(local.get(field))
        if value == mine:
            agreed[field] = value
        elif owner(ctx, field) == "tessera":
            continue  # ours wins: the push sends it
        elif (
            owner(ctx, field) == "newest"
            and mine != agreed.get(field)
            and local["updatedAt"] > (change.updated_at or _now())
        ):
            continue  # both changed since they agreed, and ours is newer: the push sends it
        else:
            take[field] = value
            agreed[field] = value
    if take:
        await update_values("Customer", record_id, take, principal=ctx.principal)
    await save_state(
        ctx, "customers", change.external_id, "Customer", record_id, agreed, change.updated_at
    )
    return ("APPLIED" if take else "UNCHANGED"), "Customer", record_id


async def pull_order(ctx: Ctx, change: ExternalChange) -> tuple[str, str, uuid.UUID]:
    order = {field: norm(change.data.get(field)) for field in ORDER_FIELDS}
    state = await state_of(ctx, "orders", change.external_id)
    if state and state["agreed"] == order:
        return "UNCHANGED", "Opportunity", state["record_id"]
    customer_id = await external_ids.find("Customer", ctx.system, str(order["customer_id"]))
    if customer_id is None:
        raise InvalidInput.single(
            "customer_id",
            "UNKNOWN_CUSTOMER",
            f"no customer has {ctx.system} id {order['customer_id']}",
        )
    linked = (
        state["record_id"]
        if state
        else await external_ids.find("Opportunity", ctx.system, change.external_id)
    )
    deal_id = linked or await _named_deal(order, customer_id)
    amount = Decimal(order["amount"] or "0")
    if deal_id is None:
        deal_id = await create_values(
            "Opportunity",
            {"name": f"Order {change.external_id}", "customerId": customer_id, "amount": amount},
            principal=ctx.principal,
        )
    if linked is None:
        await external_ids.link("Opportunity", deal_id, ctx.system, change.external_id)
    kind = {"PAID": "WON", "CANCELLED": "LOST"}.get(order["status"] or "")
    deal = await _existing("Opportunity", deal_id)
    changes: dict[str, Any] = {} if norm(deal.get("amount")) == norm(amount) else {"amount": amount}
    if kind:
        stage = await _stage_of_kind(deal["pipelineId"], kind)
        if stage and stage != deal["stageId"]:
            changes["stageId"] = stage
    if changes:
        await update_values(
            "Opportunity", deal_id, changes, principal=ctx.principal
        )  # a won stage: automations see it
    await save_state(
        ctx, "orders", change.external_id, "Opportunity", deal_id, order, change.updated_at
    )
    await _customer_totals(ctx, customer_id, str(order["customer_id"]))
    return "APPLIED", "Opportunity", deal_id


async def _named_deal(order: dict[str, Any], customer_id: uuid.UUID) -> uuid.UUID | None:
    """The opportunity the order names (the ERP keeps our id as `opportunity_ref` when the order
    came from a Tessera deal), if it is that customer's."""
    try:
        named = uuid.UUID(order["opportunity_ref"] or "")
    except ValueError:
        return None
    deal = await record_values("Opportunity", named)
    return named if deal and not deal["deleted"] and deal.get("customerId") == customer_id else None


async def _stage_of_kind(pipeline_id: uuid.UUID, kind: str) -> uuid.UUID | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT id FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND kind = $3 AND deleted_at IS NULL ORDER BY position LIMIT 1",
        [current_tenant_id(), pipeline_id, kind],
    )
    return rows[0]["id"] if rows else None


async def _customer_totals(ctx: Ctx, customer_id: uuid.UUID, their_customer_id: str) -> None:
    """Lifetime value = the sum of the customer's paid orders; last order = the latest payment.
    Computed from every order seen, so applying an order twice cannot count it twice."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT agreed->>'amount' AS amount, agreed->>'paid_at' AS paid_at FROM sync_state WHERE tenant_id = $1 "
        "AND connection_id = $2 AND stream = 'orders' AND agreed->>'customer_id' = $3 AND agreed->>'status' = 'PAID'",
        [current_tenant_id(), ctx.connection_id, their_customer_id],
    )
    paid = [dict(row) for row in rows]
    total = sum((Decimal(o["amount"] or "0") for o in paid), Decimal("0"))
    last = max(
        (datetime.fromisoformat(o["paid_at"]) for o in paid if o.get("paid_at")), default=None
    )
    customer = await _existing("Customer", customer_id)
    wanted = {"lifetimeValue": total, "lastOrderAt": last}
    changes = {
        k: v
        for k, v in wanted.items()
        if norm(customer.get(k)) != norm(v) and not (k == "lastOrderAt" and v is None)
    }
    if changes:
        await update_values("Customer", customer_id, changes, principal=ctx.principal)


def _now() -> datetime:
    return datetime.now(timezone.utc)


PULL = {"customers": pull_customer, "orders": pull_order}


async def _existing(record_type: str, record_id: uuid.UUID) -> dict[str, Any]:
    """The record's values; NotFound (this record's problem, logged by the run) if it is gone."""
    values = await record_values(record_type, record_id)
    if values is None:
        raise NotFound(f"{record_type} {record_id} no longer exists")
    return values
