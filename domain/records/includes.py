"""To-one relations read with a page of records, in the page's own statement (a LEFT JOIN each).

A list that shows each opportunity's customer, owner and stage would otherwise need one more
statement per relation. The joined rows obey the same rules as a lookup by id (`get_records`,
`users_by_id`): the current tenant, not deleted, visible to the caller, hidden fields stripped;
anything else joins as a missing row (None), exactly as the lookup would answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, strip_hidden
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql

# The columns of a member, as users_by_id returns them, and where the join finds each.
MEMBER_COLUMNS = ("id", "email", "name", "role")
_MEMBER_SOURCES = {"id": "{a}.id", "email": "{a}.email", "name": "{a}.name", "role": "{a}_m.role"}


@dataclass(frozen=True, eq=False)
class Include:
    """The row that `column` of each listed record points at: a record of `target`, or a member
    of the tenant when `target` is None. `columns` narrows the row to what the caller will read
    (the id always comes with it); None reads the whole row, as a lookup by id would."""

    column: str
    target: RecordSpec | None = None
    columns: tuple[str, ...] | None = None

    def _key(self) -> tuple[str, str | None, tuple[str, ...] | None]:
        return self.column, None if self.target is None else self.target.record_type, self.columns

    # Two fields reading the same relation the same way (a stage and a probability from it) join it once.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Include) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def read_columns(self) -> tuple[str, ...]:
        """The columns the join returns, the id first (null exactly when nothing joined)."""
        every = MEMBER_COLUMNS if self.target is None else self.target.columns
        if self.columns is None:
            return ("id", *(c for c in every if c != "id"))
        unknown = set(self.columns) - set(every)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not columns of the included rows")
        return ("id", *dict.fromkeys(c for c in self.columns if c != "id"))


@dataclass
class Joined:
    """How the included rows come back in the page's statement."""

    include: Include
    columns: tuple[str, ...]
    rules: Any = None  # field rules of the target, for strip_hidden


async def plan_joins(
    includes: Sequence[Include],
    principal: Principal,
    params: Params,
) -> tuple[list[Joined], list[str], list[str]]:
    """(what each join returns, the JOIN clauses, the selected expressions), in the order the
    statement returns them. A target the caller may not read is left out: its lookup refuses it."""
    joined: list[Joined] = []
    joins: list[str] = []
    selected: list[str] = []
    for include in dict.fromkeys(includes):
        alias = f"j{len(joined)}"
        target = include.target
        columns = include.read_columns()
        if target is None:
            joins.append(
                f"LEFT JOIN membership {alias}_m ON {alias}_m.tenant_id = t.tenant_id AND {alias}_m.user_id = t.{include.column} "
                f"LEFT JOIN app_user {alias} ON {alias}.id = {alias}_m.user_id"
            )
            selected += [_MEMBER_SOURCES[column].format(a=alias) for column in columns]
            joined.append(Joined(include, columns))
            continue
        try:
            target.require(principal, Action.READ)
        except Forbidden:
            continue
        conditions = readable_sql(principal, target, params, alias)
        joins.append(
            f"LEFT JOIN {target.table} {alias} ON {alias}.id = t.{include.column} AND "
            + " AND ".join(conditions)
        )
        selected += [f"{alias}.{column}" for column in columns]
        joined.append(Joined(include, columns, await field_rules(principal, target.record_type)))
    return joined, joins, selected


def included_rows(
    joined: list[Joined],
    page: list[dict[str, Any]],
    records: list[Sequence[Any]],
    offset: int,
) -> dict[Include, dict[uuid.UUID, dict[str, Any] | None]]:
    """For each include, {id: row or None} of what the page's records point at."""
    related: dict[Include, dict[uuid.UUID, dict[str, Any] | None]] = {j.include: {} for j in joined}
    # The page may be one record shorter than what was fetched (the look-ahead for hasNextPage).
    for row, values in zip(page, records, strict=False):
        start = offset
        for join in joined:
            end = start + len(join.columns)
            key = row.get(join.include.column)
            if key is not None and key not in related[join.include]:
                # The joined id is null exactly when nothing joined (missing, deleted or not
                # visible), which a lookup by id answers with None.
                part = (
                    dict(zip(join.columns, values[start:end], strict=True))
                    if values[start] is not None
                    else None
                )
                if part is not None and join.include.target is not None:
                    part = strip_hidden(
                        join.include.target, join.rules, [decode_row(join.include.target, part)]
                    )[0]
                related[join.include][key] = part
            start = end
    return related
