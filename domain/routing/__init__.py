"""Ticket (and record) routing: who among a team's members can take work now.

Each member may have routing facts (`member_routing`): an out-of-office date range, read on the
tenant's wall clock with both ends included, and skills, the ticket categories they handle.
`eligible(members, category=..., by_skill=...)` keeps the members who are not away today and,
with `by_skill`, those whose skills include the category (compared without case); when no
available member has the skill, all available members remain (the work still gets an owner).
Automation's `assign_owner` (round_robin, least_open) picks among them (docs/automations.md)."""

from domain.routing.service import RoutingFacts, eligible, list_routing, set_routing

__all__ = ["RoutingFacts", "eligible", "list_routing", "set_routing"]
