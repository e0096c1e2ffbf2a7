"""The history `tessera seed demo` gives its records, so that every analytic has something to say:
a year of lead journeys through the lifecycle (with conversions into customers), deals moving
through the pipeline's stages to won or lost, campaign touches, and tickets with response and
resolution times, SLA targets and satisfaction scores. Pure planning from a seeded random
generator: tessera/seed.py inserts what it plans."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HISTORY_DAYS = 365
# How far a lead gets: the chance of reaching each next stage from the one before.
LEAD_STEPS = (("MQL", 0.55), ("SQL", 0.6), ("OPPORTUNITY", 0.55))
CONVERTED_SHARE = 0.7  # of the leads that reached SQL
# First-response and resolution targets by priority, in hours.
TARGETS = {"URGENT": (1, 8), "HIGH": (4, 24), "NORMAL": (8, 72), "LOW": (24, 168)}


def moment(rng: random.Random, now: datetime, days: int = HISTORY_DAYS, least: int = 0) -> datetime:
    """A random instant between `days` and `least` days before `now`."""
    return now - timedelta(seconds=rng.randint(least * 86_400, days * 86_400))


@dataclass
class LeadPlan:
    created: datetime
    stages: list[tuple[str, datetime]]  # (stage, reached at), LEAD first
    converted_at: datetime | None = None
    earlier_campaign: int | None = None  # a campaign the lead had before its own (index)
    switched_at: datetime | None = None

    @property
    def stage(self) -> str:
        return self.stages[-1][0]


def plan_lead(rng: random.Random, now: datetime) -> LeadPlan:
    created = moment(rng, now)
    stages = [("LEAD", created)]
    at = created
    for stage, chance in LEAD_STEPS:
        at = at + timedelta(hours=rng.randint(12, 24 * 25))
        if at >= now or rng.random() >= chance:
            break
        stages.append((stage, at))
    plan = LeadPlan(created, stages)
    if len(stages) >= 3 and rng.random() < CONVERTED_SHARE:
        plan.converted_at = stages[-1][1] + timedelta(hours=rng.randint(1, 72))
        if plan.converted_at >= now:
            plan.converted_at = None
    return plan


def lead_status(rng: random.Random, plan: LeadPlan) -> str:
    if plan.converted_at is not None:
        return "CONVERTED"
    if plan.stage == "LEAD":
        return rng.choice(["NEW", "WORKING", "NURTURING", "DISQUALIFIED"])
    if plan.stage == "MQL":
        return rng.choice(["WORKING", "NURTURING"])
    return "QUALIFIED"


@dataclass
class DealPlan:
    created: datetime
    outcome: str  # OPEN, WON or LOST
    stays: list[tuple[int, datetime, datetime | None]] = field(default_factory=list)
    # (index into the open stages, or -1 for the closing stage; entered; left)
    closed_at: datetime | None = None


def plan_deal(rng: random.Random, now: datetime, open_stages: int) -> DealPlan:
    """A deal's walk through the open stages in order, and its closing when it is won or lost."""
    created = moment(rng, now)
    roll = rng.random()
    outcome = "WON" if roll < 0.4 else "LOST" if roll < 0.65 else "OPEN"
    last = open_stages - 1 if outcome == "WON" else rng.randint(0, open_stages - 1)
    plan = DealPlan(created, outcome)
    at = created
    for index in range(last + 1):
        if outcome == "OPEN" and index == last:
            plan.stays.append((index, at, None))
            return plan
        left = at + timedelta(hours=rng.randint(24, 24 * 25))
        if left >= now:  # still in this stage today
            plan.stays.append((index, at, None))
            plan.outcome = "OPEN"
            return plan
        plan.stays.append((index, at, left))
        at = left
    plan.stays.append((-1, at, None))
    plan.closed_at = at
    return plan


@dataclass
class TicketPlan:
    created: datetime
    priority: str
    status: str
    responded: datetime | None
    resolved: datetime | None
    response_due: datetime
    resolution_due: datetime
    score: int | None


def plan_ticket(rng: random.Random, now: datetime) -> TicketPlan:
    created = moment(rng, now, days=180)
    priority = rng.choices(["LOW", "NORMAL", "HIGH", "URGENT"], weights=[3, 5, 2, 1])[0]
    respond_h, resolve_h = TARGETS[priority]
    responded = created + timedelta(minutes=int(rng.expovariate(1 / (respond_h * 45))) + 5)
    resolved = responded + timedelta(minutes=int(rng.expovariate(1 / (resolve_h * 50))) + 30)
    if responded >= now:
        status, responded_at, resolved_at = "NEW", None, None
    elif resolved >= now or rng.random() < 0.15:
        status = rng.choice(["ACCEPTED", "DIAGNOSING", "DISPATCHED"])
        responded_at, resolved_at = responded, None
    else:
        status = rng.choice(["RESOLVED", "FOLLOWED_UP", "CLOSED"])
        responded_at, resolved_at = responded, resolved
    score = (
        rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
        if resolved_at is not None and rng.random() < 0.6
        else None
    )
    return TicketPlan(
        created,
        priority,
        status,
        responded_at,
        resolved_at,
        created + timedelta(hours=respond_h),
        created + timedelta(hours=resolve_h),
        score,
    )


def pareto_weights(count: int) -> list[float]:
    """Weights under which a few customers buy often and most rarely (for RFM)."""
    return [1 / (i + 1) ** 0.8 for i in range(count)]
