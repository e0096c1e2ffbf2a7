"""`tessera seed demo`: fill a tenant with realistic CRM data, fast enough for benchmarks.

Rows go in as multi-row INSERT ... SELECT FROM unnest(...) batches (COPY is refused on tables with
row-level security), inside the tenant's transaction, as the owner role. The records get a year of
history (tessera/seed_history.py): lifecycle transitions, stage stays, campaign touches, closed deals
and ticket timings with past times, so every analytic has an answer. Seeded rows have no audit
trail: they were never edited through the API.
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import accumulate
from typing import Any

import asyncpg

from tenants.database import connection_credentials
from tenants.ids import new_id
from tessera.seed_history import (
    HISTORY_DAYS,
    DealPlan,
    lead_status,
    moment,
    pareto_weights,
    plan_deal,
    plan_lead,
    plan_ticket,
)

BATCH = 5000
LIFECYCLE_TABLES = ("lead", "customer")


@dataclass(frozen=True)
class Size:
    customers: int
    contacts: int
    leads: int
    opportunities: int
    tickets: int
    activities: int


SIZES = {
    "small": Size(
        customers=200, contacts=400, leads=1_000, opportunities=500, tickets=500, activities=2_000
    ),
    "large": Size(
        customers=20_000,
        contacts=40_000,
        leads=100_000,
        opportunities=50_000,
        tickets=50_000,
        activities=200_000,
    ),
}

SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Smith",
    "Garcia",
    "Müller",
    "Rossi",
    "Tanaka",
    "Kim",
]
GIVEN = [
    "Wei",
    "Fang",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Anna",
    "James",
    "Maria",
    "Kenji",
    "Sofia",
    "Omar",
    "Lena",
    "Ravi",
]
COMPANY_WORDS = [
    "Global",
    "Northern",
    "Bright",
    "Blue",
    "Golden",
    "Smart",
    "Prime",
    "Eastern",
    "Summit",
    "Harbor",
    "Lotus",
    "Dragon",
    "Pioneer",
    "Silver",
]
COMPANY_KINDS = [
    "Trading",
    "Robotics",
    "Logistics",
    "Foods",
    "Energy",
    "Medical",
    "Software",
    "Textiles",
    "Motors",
    "Retail",
]
INDUSTRIES = [
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Logistics",
    "Software",
    "Energy",
    "Education",
    "Finance",
]
REGIONS = ["East", "North", "South", "West", "Central"]
CHANNELS = ["WEB_FORM", "ADS", "SOCIAL", "EVENT", "REFERRAL", "EMAIL", "WECOM", "OTHER"]
TICKET_CHANNELS = ["EMAIL", "PHONE", "WEB", "CHAT", "WECOM", "ONSITE"]
TICKET_STATUSES = [
    "NEW",
    "ACCEPTED",
    "DIAGNOSING",
    "DISPATCHED",
    "RESOLVED",
    "FOLLOWED_UP",
    "CLOSED",
]


async def seed_demo(
    database_url: str,
    *,
    tenant_slug: str,
    size: str,
    seed: int = 7,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Insert the `size` data set into the tenant; returns rows inserted per table."""
    rng = random.Random(seed)
    counts = SIZES[size]
    report = progress or _print_progress
    conn = await asyncpg.connect(**connection_credentials(database_url))
    try:
        tenant_id = await conn.fetchval("SELECT id FROM tenant WHERE slug = $1", tenant_slug)
        if tenant_id is None:
            raise ValueError(f"no tenant {tenant_slug!r}")
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
            members = [
                r["user_id"]
                for r in await conn.fetch(
                    "SELECT user_id FROM membership WHERE tenant_id = $1", tenant_id
                )
            ]
            pipeline = await conn.fetchval(
                "SELECT id FROM pipeline WHERE tenant_id = $1 AND is_default AND deleted_at IS NULL",
                tenant_id,
            )
            stages = await conn.fetch(
                "SELECT id, kind FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND deleted_at IS NULL "
                "ORDER BY position, id",
                tenant_id,
                pipeline,
            )
            inserter = _Inserter(conn, tenant_id, report)
            # Seeded leads and customers get their past lifecycle transitions from the plan, not one
            # at insert time per row from the trigger (which costs a statement per row). Turned off
            # inside this transaction only: other sessions wait on the table lock, never see it off.
            for table in LIFECYCLE_TABLES:
                await conn.execute(
                    f"ALTER TABLE {table} DISABLE TRIGGER {table}_lifecycle_transition"
                )
            await _fill(inserter, rng, counts, members, pipeline, stages)
            for table in LIFECYCLE_TABLES:
                await conn.execute(
                    f"ALTER TABLE {table} ENABLE TRIGGER {table}_lifecycle_transition"
                )
        return inserter.inserted
    finally:
        await conn.close()


async def _fill(
    inserter: _Inserter,
    rng: random.Random,
    counts: Size,
    members: list[uuid.UUID],
    pipeline: uuid.UUID,
    stages: list[asyncpg.Record],
) -> None:
    """Every table of the demo, with its history planned by tessera/seed_history.py."""
    now = datetime.now(timezone.utc)
    today = now.date()
    open_stages: list[uuid.UUID] = [s["id"] for s in stages if s["kind"] == "OPEN"]
    won_stage: uuid.UUID = next(s["id"] for s in stages if s["kind"] == "WON")
    lost_stage: uuid.UUID = next(s["id"] for s in stages if s["kind"] == "LOST")
    campaign_days = [today - timedelta(days=HISTORY_DAYS - i * 18) for i in range(20)]
    campaigns = await inserter.insert(
        "campaign",
        ["name", "channel", "cost", "starts_on", "created_at"],
        20,
        lambda i: (
            f"Campaign {i + 1}",
            rng.choice(CHANNELS),
            Decimal(rng.randint(1_000, 90_000)),
            campaign_days[i],
            datetime.combine(campaign_days[i], time(9), tzinfo=timezone.utc),
        ),
    )

    # Deals first: their customers' history follows from them (a first win makes a CUSTOMER).
    deals = [plan_deal(rng, now, len(open_stages)) for _ in range(counts.opportunities)]
    cumulative = list(accumulate(pareto_weights(counts.customers)))
    buyers = rng.choices(range(counts.customers), cum_weights=cumulative, k=counts.opportunities)
    first_deal: dict[int, datetime] = {}
    wins: dict[int, list[datetime]] = {}
    for plan, buyer in zip(deals, buyers, strict=True):
        first_deal[buyer] = min(first_deal.get(buyer, plan.created), plan.created)
        if plan.outcome == "WON" and plan.closed_at is not None:
            wins.setdefault(buyer, []).append(plan.closed_at)
    customer_created = [
        min(moment(rng, now, days=HISTORY_DAYS + 60), first_deal.get(i, now) - timedelta(days=1))
        for i in range(counts.customers)
    ]
    customer_moves: list[list[tuple[str, datetime]]] = []
    for i in range(counts.customers):
        moves = [("OPPORTUNITY" if i in first_deal else "SQL", customer_created[i])]
        won = sorted(wins.get(i, []))
        if won:
            moves.append(("CUSTOMER", won[0]))
        if len(won) >= 2 and rng.random() < 0.3 and won[1] + timedelta(days=7) < now:
            moves.append(("ADVOCATE", won[1] + timedelta(days=7)))
        customer_moves.append(moves)
    customers = await inserter.insert(
        "customer",
        [
            "name",
            "domain",
            "industry",
            "region",
            "tier",
            "lifecycle_stage",
            "owner_id",
            "lifetime_value",
            "created_at",
        ],
        counts.customers,
        lambda i: (
            _company(rng, i),
            f"c{i}.example.com",
            rng.choice(INDUSTRIES),
            rng.choice(REGIONS),
            rng.choice(["gold", "silver", "bronze", None]),
            customer_moves[i][-1][0],
            rng.choice(members),
            Decimal(rng.randint(0, 500_000)),
            customer_created[i],
        ),
    )
    contact_customer = [rng.randrange(counts.customers) for _ in range(counts.contacts)]
    contacts = await inserter.insert(
        "contact",
        ["name", "customer_id", "emails", "phones", "title", "owner_id", "created_at"],
        counts.contacts,
        lambda i: (
            _person(rng),
            customers[contact_customer[i]],
            f"person{i}@c{i % max(1, counts.customers)}.example.com",
            f"+86138{i:08d}",
            rng.choice(["Buyer", "CTO", "Engineer", "Director", None]),
            rng.choice(members),
            min(now, customer_created[contact_customer[i]] + timedelta(days=rng.randint(0, 30))),
        ),
    )
    contacts_of: dict[int, list[uuid.UUID]] = {}
    for index, customer in enumerate(contact_customer):
        contacts_of.setdefault(customer, []).append(contacts[index])

    touches: list[tuple[uuid.UUID, str, uuid.UUID, datetime, str]] = []
    leads = [plan_lead(rng, now) for _ in range(counts.leads)]
    lead_campaign: list[int | None] = []
    lead_customer: list[int | None] = []
    lead_contact: list[uuid.UUID | None] = []
    campaign_of_customer: dict[int, int] = {}
    for journey in leads:
        started = [i for i, day in enumerate(campaign_days) if day <= journey.created.date()]
        campaign = rng.choice(started or [0]) if rng.random() < 0.7 else None
        if campaign is not None and rng.random() < 0.15:
            journey.earlier_campaign = rng.randrange(20)
            journey.switched_at = min(
                now - timedelta(minutes=1), journey.created + timedelta(days=rng.randint(1, 30))
            )
        lead_campaign.append(campaign)
        buyer_of_lead: int | None = None
        contact: uuid.UUID | None = None
        if journey.converted_at is not None:
            buyer_of_lead = rng.choices(range(counts.customers), cum_weights=cumulative)[0]
            contact = rng.choice(contacts_of.get(buyer_of_lead) or [None])
            if campaign is not None:
                campaign_of_customer.setdefault(buyer_of_lead, campaign)
        lead_customer.append(buyer_of_lead)
        lead_contact.append(contact)
    lead_ids = await inserter.insert(
        "lead",
        [
            "person_name",
            "company_name",
            "email",
            "phone",
            "source_channel",
            "campaign_id",
            "region",
            "industry",
            "lifecycle_stage",
            "status",
            "score",
            "owner_id",
            "created_at",
            "converted_at",
            "converted_customer_id",
            "converted_contact_id",
        ],
        counts.leads,
        lambda i: (
            _person(rng),
            _company(rng, i + 7),
            f"lead{i}@example.net",
            f"+86139{i:08d}",
            rng.choice(CHANNELS),
            campaigns[c] if (c := lead_campaign[i]) is not None else None,
            rng.choice(REGIONS),
            rng.choice(INDUSTRIES),
            leads[i].stage,
            lead_status(rng, leads[i]),
            rng.randint(0, 100),
            rng.choice(members),
            leads[i].created,
            leads[i].converted_at,
            customers[c] if (c := lead_customer[i]) is not None else None,
            lead_contact[i],
        ),
    )
    for i, journey in enumerate(leads):
        campaign = lead_campaign[i]
        if campaign is None:
            continue
        if journey.earlier_campaign is not None and journey.switched_at is not None:
            touches.append(
                (
                    campaigns[journey.earlier_campaign],
                    "Lead",
                    lead_ids[i],
                    journey.created,
                    "CREATED",
                )
            )
            touches.append(
                (campaigns[campaign], "Lead", lead_ids[i], journey.switched_at, "CHANGED")
            )
        else:
            touches.append((campaigns[campaign], "Lead", lead_ids[i], journey.created, "CREATED"))
        contact = lead_contact[i]
        if contact is not None and journey.converted_at is not None:
            touches.append(
                (campaigns[campaign], "Contact", contact, journey.converted_at, "CONVERTED")
            )

    deal_campaign: list[int | None] = []
    deal_contact: list[uuid.UUID | None] = []
    for buyer in buyers:
        known = campaign_of_customer.get(buyer)
        campaign = (
            known
            if known is not None and rng.random() < 0.6
            else rng.randrange(20)
            if rng.random() < 0.25
            else None
        )
        contact = rng.choice(contacts_of.get(buyer) or [None]) if rng.random() < 0.8 else None
        deal_campaign.append(campaign)
        deal_contact.append(contact)

    def deal_stage(plan: DealPlan) -> uuid.UUID:
        if plan.outcome == "WON":
            return won_stage
        if plan.outcome == "LOST":
            return lost_stage
        return open_stages[plan.stays[-1][0]]

    def opportunity(i: int) -> tuple[Any, ...]:
        plan = deals[i]
        closes = (
            plan.closed_at.date() if plan.closed_at else today + timedelta(days=rng.randint(0, 180))
        )
        return (
            f"Deal {i + 1}",
            customers[buyers[i]],
            pipeline,
            deal_stage(plan),
            Decimal(rng.randint(1_000, 500_000)),
            "CNY",
            closes,
            rng.choice(members),
            rng.choice(CHANNELS),
            plan.closed_at,
            plan.created,
            campaigns[c] if (c := deal_campaign[i]) is not None else None,
            deal_contact[i],
        )

    opportunities = await inserter.insert(
        "opportunity",
        [
            "name",
            "customer_id",
            "pipeline_id",
            "stage_id",
            "amount",
            "currency",
            "expected_close_date",
            "owner_id",
            "channel",
            "closed_at",
            "created_at",
            "campaign_id",
            "primary_contact_id",
        ],
        counts.opportunities,
        opportunity,
    )
    stays = [
        (
            opportunities[i],
            open_stages[index] if index >= 0 else deal_stage(plan),
            entered,
            left,
        )
        for i, plan in enumerate(deals)
        for index, entered, left in plan.stays
    ]
    await inserter.insert(
        "opportunity_stage_history",
        ["opportunity_id", "stage_id", "entered_at", "left_at"],
        len(stays),
        lambda i: stays[i],
        record=False,
    )
    for i, plan in enumerate(deals):
        contact, campaign = deal_contact[i], deal_campaign[i]
        if contact is not None and campaign is not None:
            touches.append((campaigns[campaign], "Contact", contact, plan.created, "DEAL"))
    unique_touches = list({(t[0], t[2], t[3]): t for t in touches}.values())
    await inserter.insert(
        "campaign_touch",
        ["campaign_id", "record_type", "record_id", "touched_at", "kind"],
        len(unique_touches),
        lambda i: unique_touches[i],
        record=False,
    )

    # The lifecycle history (the trigger that records a transition at insert time is off, see seed_demo).
    transitions = [
        ("Lead", lead_ids[i], before[0] if before else None, stage, at)
        for i, plan in enumerate(leads)
        for before, (stage, at) in zip([None, *plan.stages[:-1]], plan.stages, strict=True)
    ] + [
        ("Customer", customers[i], before[0] if before else None, stage, at)
        for i, moves in enumerate(customer_moves)
        for before, (stage, at) in zip([None, *moves[:-1]], moves, strict=True)
    ]
    await inserter.insert(
        "lifecycle_transition",
        ["record_type", "record_id", "from_stage", "to_stage", "changed_at"],
        len(transitions),
        lambda i: transitions[i],
        record=False,
    )

    ticket_plans = [plan_ticket(rng, now) for _ in range(counts.tickets)]

    def ticket(i: int) -> tuple[Any, ...]:
        plan = ticket_plans[i]
        return (
            f"Issue {i + 1}: {rng.choice(['no power', 'error E42', 'slow', 'noise', 'leak'])}",
            rng.choice(customers),
            plan.priority,
            plan.status,
            rng.choice([*members, None]),
            rng.choice(TICKET_CHANNELS),
            plan.created,
            plan.responded,
            plan.resolved,
            plan.resolved + timedelta(days=2)
            if plan.status == "CLOSED" and plan.resolved
            else None,
            plan.response_due,
            plan.resolution_due,
            plan.score,
        )

    tickets = await inserter.insert(
        "ticket",
        [
            "subject",
            "customer_id",
            "priority",
            "status",
            "owner_id",
            "channel",
            "created_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "first_response_due_at",
            "resolution_due_at",
            "satisfaction_score",
        ],
        counts.tickets,
        ticket,
    )
    ticket_moves: list[tuple[uuid.UUID, str | None, str, datetime | None]] = [
        (tickets[i], None, "NEW", plan.created) for i, plan in enumerate(ticket_plans)
    ] + [
        (tickets[i], "NEW", plan.status, plan.resolved or plan.responded)
        for i, plan in enumerate(ticket_plans)
        if plan.status != "NEW" and (plan.resolved or plan.responded)
    ]
    await inserter.insert(
        "ticket_status_history",
        ["ticket_id", "from_status", "to_status", "changed_at"],
        len(ticket_moves),
        lambda i: ticket_moves[i],
        record=False,
    )
    targets = [
        ("Customer", customers),
        ("Contact", contacts),
        ("Opportunity", opportunities),
        ("Ticket", tickets),
    ]
    await inserter.insert(
        "activity",
        ["kind", "subject", "record_type", "record_id", "owner_id", "occurred_at"],
        counts.activities,
        lambda i: _activity(rng, targets, members, i),
    )


class _Inserter:
    def __init__(
        self,
        conn: asyncpg.Connection,
        tenant_id: uuid.UUID,
        report: Callable[[str, int, int], None],
    ) -> None:
        self.conn = conn
        self.tenant_id = tenant_id
        self.report = report
        self.inserted: dict[str, int] = {}
        self._types: dict[str, dict[str, str]] = {}

    async def insert(
        self,
        table: str,
        columns: list[str],
        count: int,
        make: Callable[[int], tuple[Any, ...]],
        *,
        record: bool = True,
    ) -> list[uuid.UUID]:
        """Insert `count` rows made by `make(i)`; returns their ids."""
        types = await self._column_types(table)
        # unnest() flattens multi-dimensional arrays, so array columns take one element per row,
        # wrapped back into an array in the SELECT.
        element = {c: types[c].removesuffix("[]") for c in columns}
        select = ", ".join(
            f"ARRAY[u.{c}]" if types[c].endswith("[]") else f"u.{c}" for c in columns
        )
        unnest = ", ".join(f"${i + 3}::{element[c]}[]" for i, c in enumerate(columns))
        ids: list[uuid.UUID] = []
        for start in range(0, count, BATCH):
            rows = [make(i) for i in range(start, min(count, start + BATCH))]
            batch_ids = [new_id() for _ in rows]
            arrays = [list(column) for column in zip(*rows, strict=True)]
            await self.conn.execute(
                f"INSERT INTO {table} (tenant_id, id, {', '.join(columns)}) "
                f"SELECT $1, u.id, {select} FROM unnest($2::uuid[], {unnest}) AS u(id, {', '.join(columns)})",
                self.tenant_id,
                batch_ids,
                *arrays,
            )
            ids += batch_ids
            self.report(table, len(ids), count)
        self.inserted[table] = count
        if record and count == 0:
            self.report(table, 0, 0)
        return ids

    async def _column_types(self, table: str) -> dict[str, str]:
        rows = await self.conn.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
            table,
        )
        return {r["attname"]: r["type"] for r in rows}


def _company(rng: random.Random, i: int) -> str:
    return f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {i + 1}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"


def _activity(
    rng: random.Random, targets: list[tuple[str, list[uuid.UUID]]], members: list[uuid.UUID], i: int
) -> tuple[Any, ...]:
    record_type, ids = rng.choice(targets)
    kind = rng.choice(["NOTE", "CALL", "EMAIL", "MEETING", "TASK"])
    return (
        kind,
        f"{kind.title()} #{i + 1}",
        record_type,
        rng.choice(ids),
        rng.choice(members),
        datetime.now(timezone.utc) - timedelta(minutes=rng.randint(0, 60 * 24 * 180)),
    )


def _print_progress(table: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r{table:<28} [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
