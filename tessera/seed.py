"""`tessera seed demo`: fill a tenant with realistic CRM data, fast enough for benchmarks.

Rows go in as multi-row INSERT ... SELECT FROM unnest(...) batches (COPY is refused on tables with
row-level security), inside the tenant's transaction, as the owner role. Seeded rows have no audit
history: they were never edited.
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import asyncpg

from tenants.database import connection_credentials
from tenants.ids import new_id

BATCH = 5000


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
                "SELECT id, kind FROM stage WHERE tenant_id = $1 AND pipeline_id = $2 AND deleted_at IS NULL",
                tenant_id,
                pipeline,
            )
            inserter = _Inserter(conn, tenant_id, report)
            campaigns = await inserter.insert(
                "campaign",
                ["name", "channel", "cost", "starts_on"],
                20,
                lambda i: (
                    f"Campaign {i + 1}",
                    rng.choice(CHANNELS),
                    Decimal(rng.randint(1_000, 90_000)),
                    date(2026, 1, 1) + timedelta(days=i * 15),
                ),
            )
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
                ],
                counts.customers,
                lambda i: (
                    _company(rng, i),
                    f"c{i}.example.com",
                    rng.choice(INDUSTRIES),
                    rng.choice(REGIONS),
                    rng.choice(["gold", "silver", "bronze", None]),
                    "CUSTOMER",
                    rng.choice(members),
                    Decimal(rng.randint(0, 500_000)),
                ),
            )
            contacts = await inserter.insert(
                "contact",
                ["name", "customer_id", "emails", "phones", "title", "owner_id"],
                counts.contacts,
                lambda i: (
                    _person(rng),
                    rng.choice(customers),
                    f"person{i}@c{i % max(1, counts.customers)}.example.com",
                    f"+86138{i:08d}",
                    rng.choice(["Buyer", "CTO", "Engineer", "Director", None]),
                    rng.choice(members),
                ),
            )
            await inserter.insert(
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
                    "status",
                    "score",
                    "owner_id",
                ],
                counts.leads,
                lambda i: (
                    _person(rng),
                    _company(rng, i + 7),
                    f"lead{i}@example.net",
                    f"+86139{i:08d}",
                    rng.choice(CHANNELS),
                    rng.choice(campaigns),
                    rng.choice(REGIONS),
                    rng.choice(INDUSTRIES),
                    rng.choice(["NEW", "WORKING", "NURTURING", "QUALIFIED", "DISQUALIFIED"]),
                    rng.randint(0, 100),
                    rng.choice(members),
                ),
            )
            today = datetime.now(timezone.utc).date()
            opportunity_stages: list[uuid.UUID] = []

            def opportunity(i: int) -> tuple[Any, ...]:
                stage = rng.choice(stages)
                opportunity_stages.append(stage["id"])
                return (
                    f"Deal {i + 1}",
                    rng.choice(customers),
                    pipeline,
                    stage["id"],
                    Decimal(rng.randint(1_000, 2_000_000)),
                    "CNY",
                    today + timedelta(days=rng.randint(-90, 180)),
                    rng.choice(members),
                    rng.choice(CHANNELS),
                    datetime.now(timezone.utc) if stage["kind"] != "OPEN" else None,
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
                ],
                counts.opportunities,
                opportunity,
            )
            await inserter.insert(
                "opportunity_stage_history",
                ["opportunity_id", "stage_id"],
                len(opportunities),
                lambda i: (opportunities[i], opportunity_stages[i]),
                record=False,
            )
            ticket_statuses: list[str] = []

            def ticket(i: int) -> tuple[Any, ...]:
                status = rng.choice(TICKET_STATUSES)
                ticket_statuses.append(status)
                return (
                    f"Issue {i + 1}: {rng.choice(['no power', 'error E42', 'slow', 'noise', 'leak'])}",
                    rng.choice(customers),
                    rng.choice(["LOW", "NORMAL", "HIGH", "URGENT"]),
                    status,
                    rng.choice([*members, None]),
                )

            tickets = await inserter.insert(
                "ticket",
                ["subject", "customer_id", "priority", "status", "owner_id"],
                counts.tickets,
                ticket,
            )
            await inserter.insert(
                "ticket_status_history",
                ["ticket_id", "to_status"],
                len(tickets),
                lambda i: (tickets[i], ticket_statuses[i]),
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
        return inserter.inserted
    finally:
        await conn.close()


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
