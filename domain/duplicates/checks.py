"""What duplicate rules do to writes, and the likely duplicates of a record.

Every create and update of a customer, contact, lead or custom record passes here, whoever writes
it (the API, bulk writes, lead conversion, inbound webhooks and web forms, imports, automations):
the record's keys are stored in its transaction, and when it gained a key a BLOCK rule compares,
a match refuses the write with CONFLICT naming the matching records. WARN rules let the write
through; the API shows their matches on the written record (`likelyDuplicates`).

Visibility: a caller is told only about matching records they may see. A BLOCK rule still blocks
when every match is hidden from the writer (the rule protects the tenant's data, not the writer's
view); the error then says that a record they cannot see matches, and nothing more about it."""

from __future__ import annotations

import uuid
from typing import Any

from domain.duplicates.fields import may_have_rules, source_of
from domain.duplicates.keys import add_keys, compared, keys_of, replace_keys, stored_keys
from domain.duplicates.matching import Match, find_matches
from domain.duplicates.rules import ACTIONS, active_rules
from domain.errors import Conflict
from domain.identity.principal import Principal
from domain.phones import load_region
from domain.records.spec import RecordSpec


class DuplicateFound(Conflict):
    """A BLOCK rule matched: the write is refused. `matches` are the ones the writer may see;
    `hidden` counts the others."""

    def __init__(self, record_type: str, matches: list[Match], hidden: int) -> None:
        rules = ", ".join(dict.fromkeys(f"'{m.rule_name}'" for m in matches)) or "a duplicate rule"
        shown = f"{len(matches)} existing {record_type} record(s)" if matches else ""
        unseen = f"{hidden} {record_type} record(s) you cannot see" if hidden else ""
        super().__init__(
            f"This {record_type} duplicates {' and '.join(p for p in (shown, unseen) if p)} "
            f"under {rules}; change it, or merge with the existing record",
            reason="DUPLICATE",
        )
        self.record_type = record_type
        self.matches = matches
        self.hidden = hidden


class DuplicateChecks:
    """The hook domain.records.writes calls after writing records (plugged in by
    tessera/domain_wiring.py)."""

    async def written(
        self,
        spec: RecordSpec,
        rows: list[dict[str, Any]],
        *,
        principal: Principal,
        columns: set[str] | None = None,
    ) -> None:
        """Key the written rows; refuse them if a BLOCK rule matches. `columns`: what an update
        changed (None for new records)."""
        if not may_have_rules(spec.record_type, spec.table, columns):
            return
        rules = await active_rules(spec.record_type)
        wanted = compared(rules)
        if columns is None:  # new records have no stored keys yet: all of theirs in one insert
            keyed = {row["id"]: keys_of(row, wanted) for row in rows}
            await add_keys(spec.record_type, keyed)
            gained = {row_id: {name for name, _ in keys} for row_id, keys in keyed.items()}
        else:
            current = await stored_keys(spec.record_type, [row["id"] for row in rows])
            keyed, gained = {}, {}
            for row in rows:
                keyed[row["id"]] = keys_of(row, wanted)
                gained[row["id"]] = await replace_keys(
                    spec.record_type, row["id"], keyed[row["id"]], current[row["id"]]
                )
        blocking_rules = [r for r in rules if r.action == "BLOCK"]
        if not blocking_rules:
            return
        source = await source_of(spec.record_type)
        written = {row["id"] for row in rows}
        for row in rows:
            blocking = [
                r
                for r in blocking_rules
                if any(f"{c.field}:{c.kind.value}" in gained[row["id"]] for c in r.conditions)
            ]
            if not blocking or source is None:
                continue
            # Records of the same batch are not each other's duplicates here: a batch is one intent.
            matches = await find_matches(
                source, blocking, keyed[row["id"]], principal=principal, exclude=written
            )
            if matches:
                shown = [m for m in matches if m.visible]
                raise DuplicateFound(
                    spec.record_type, shown, len({m.record_id for m in matches if not m.visible})
                )


async def duplicates_of(
    record_type: str,
    record_id: uuid.UUID,
    *,
    principal: Principal,
    actions: tuple[str, ...] = ACTIONS,
) -> list[Match]:
    """The live records `principal` may see that match the record under the active rules with
    one of `actions`, best first."""
    source = await source_of(record_type)
    rules = await active_rules(record_type, actions=actions)
    if source is None or not rules:
        return []
    keys = (await stored_keys(record_type, [record_id]))[record_id]
    matches = await find_matches(source, rules, keys, principal=principal, exclude={record_id})
    return [m for m in matches if m.visible]


async def duplicates_for_values(
    record_type: str,
    row: dict[str, Any],
    *,
    principal: Principal | None,
    actions: tuple[str, ...] = ACTIONS,
    exclude: frozenset[uuid.UUID] | set[uuid.UUID] = frozenset(),
) -> list[Match]:
    """The live records matching a record that is not stored (yet): `row` holds its values by
    column, as it would be stored (`emails`, `company_name`, custom values under `data`). For
    imports (upsert by a duplicate rule), lead conversion and duplicateCandidates(values). With a
    principal, only records they may see; without one, all (system work)."""
    source = await source_of(record_type)
    rules = await active_rules(record_type, actions=actions)
    if source is None or not rules:
        return []
    await load_region()  # national phone numbers among the values are read in the tenant's region
    matches = await find_matches(
        source, rules, keys_of(row, compared(rules)), principal=principal, exclude=exclude
    )
    return [m for m in matches if m.visible]
