"""The lifecycle stages of leads and customers, in order, and the rule Tessera follows when it moves
them by itself: people may set any stage, but a conversion qualifies a lead and moves its customer
at most to OPPORTUNITY, and only a won deal makes a customer a CUSTOMER; nothing moves a stage back
(docs/api.md, "Lifecycle")."""

from __future__ import annotations

LIFECYCLE_STAGES = ("LEAD", "MQL", "SQL", "OPPORTUNITY", "CUSTOMER", "ADVOCATE")
_RANK = {stage: rank for rank, stage in enumerate(LIFECYCLE_STAGES)}


def later_stage(current: str | None, target: str) -> str:
    """`target` if it is further along than `current` (no stage counts as the very start), else `current`."""
    if current is None or _RANK.get(current, -1) < _RANK[target]:
        return target
    return current


def stages_from(stage: str) -> tuple[str, ...]:
    """`stage` and the stages after it."""
    return LIFECYCLE_STAGES[_RANK[stage] :]


def converted_stage(lead_stage: str | None, *, with_deal: bool) -> str:
    """Where converting a lead puts the lead: qualified (SQL), or OPPORTUNITY when the conversion
    opens a deal; never back."""
    return later_stage(lead_stage, "OPPORTUNITY" if with_deal else "SQL")


def converted_customer_stage(lead_stage: str | None, *, with_deal: bool) -> str:
    """Where converting a lead puts its customer: as far as the lead got, but never beyond
    OPPORTUNITY, since no deal has been won yet."""
    stage = converted_stage(lead_stage, with_deal=with_deal)
    return stage if _RANK[stage] <= _RANK["OPPORTUNITY"] else "OPPORTUNITY"
