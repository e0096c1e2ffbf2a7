"""Finding the records that match a record (or a set of values) under duplicate rules: the rule's
first condition finds candidates through the key index (exact keys, or the block of a fuzzy
one), its other conditions are checked on the candidates' keys, and only live records count."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rapidfuzz import fuzz

from domain.duplicates.fields import Source
from domain.duplicates.keys import Key, label
from domain.duplicates.normalise import block_of
from domain.duplicates.rules import EXACT, Condition, Rule
from domain.identity.principal import Principal
from domain.records.sql import Params
from domain.records.visibility import owned_visibility_sql
from tenants.context import current_tenant_id, tenant_connection

# Candidates read for one fuzzy block: a block this large means the rule needs a sharper first
# condition; the closest names of a bounded sample still come back.
FUZZY_BLOCK_LIMIT = 2000
MAX_MATCHES = 50


@dataclass(frozen=True)
class Match:
    record_type: str
    record_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    action: str
    score: float  # 100 for exact conditions; the lowest similarity of the fuzzy ones otherwise
    visible: bool = True


def _similarity(condition: Condition, mine: set[str], theirs: set[str]) -> float:
    if condition.match == EXACT:
        return 100.0 if mine & theirs else 0.0
    best = max((fuzz.ratio(a, b) for a in mine for b in theirs), default=0.0)
    return best if best >= condition.threshold else 0.0


def _by_label(keys: set[Key]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for name, key in keys:
        grouped.setdefault(name, set()).add(key)
    return grouped


async def _candidates(
    record_type: str, condition: Condition, mine: set[str]
) -> dict[uuid.UUID, set[Key]]:
    """Records with a key the first condition could match, with those keys."""
    name = label(condition)
    if condition.match == EXACT:
        sql, probe = "key = ANY($4::text[])", sorted(mine)
    else:
        sql, probe = "block = ANY($4::text[])", sorted({block_of(k) for k in mine})
    rows = await tenant_connection().execute_query_dict(
        f"SELECT record_id, key FROM duplicate_key WHERE tenant_id = $1 AND record_type = $2 AND field = $3 AND {sql} "
        f"LIMIT {FUZZY_BLOCK_LIMIT}",
        [current_tenant_id(), record_type, name, probe],
    )
    found: dict[uuid.UUID, set[Key]] = {}
    for row in rows:
        found.setdefault(row["record_id"], set()).add((name, row["key"]))
    return found


async def _more_keys(
    record_type: str, ids: list[uuid.UUID], labels: list[str]
) -> dict[uuid.UUID, set[Key]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT record_id, field, key FROM duplicate_key WHERE tenant_id = $1 AND record_type = $2 "
        "AND record_id = ANY($3::uuid[]) AND field = ANY($4::text[])",
        [current_tenant_id(), record_type, ids, labels],
    )
    found: dict[uuid.UUID, set[Key]] = {}
    for row in rows:
        found.setdefault(row["record_id"], set()).add((row["field"], row["key"]))
    return found


async def _rule_matches(
    rule: Rule, keys: dict[str, set[str]], exclude: set[uuid.UUID]
) -> dict[uuid.UUID, float]:
    if any(not keys.get(label(c)) for c in rule.conditions):
        return {}  # a condition on a field the record leaves empty matches nothing
    ordered = sorted(
        rule.conditions, key=lambda c: c.match != EXACT
    )  # exact probes are the sharpest
    candidates = await _candidates(rule.record_type, ordered[0], keys[label(ordered[0])])
    for record_id in exclude:
        candidates.pop(record_id, None)
    if not candidates:
        return {}
    rest = [label(c) for c in ordered[1:]]
    if rest:
        extra = await _more_keys(rule.record_type, list(candidates), rest)
        for record_id, more in extra.items():
            candidates[record_id] |= more
    scores = {}
    for record_id, theirs in candidates.items():
        grouped = _by_label(theirs)
        score = min(_similarity(c, keys[label(c)], grouped.get(label(c), set())) for c in ordered)
        if score > 0:
            scores[record_id] = score
    return scores


async def find_matches(
    source: Source,
    rules: list[Rule],
    keys: set[Key],
    *,
    principal: Principal | None,
    exclude: frozenset[uuid.UUID] | set[uuid.UUID] = frozenset(),
) -> list[Match]:
    """Live records matching `keys` under `rules`, best first, each marked visible or not to
    `principal` (None: all visible); one match per record and rule."""
    grouped = _by_label(keys)
    found: list[Match] = []
    for rule in rules:
        for record_id, score in (await _rule_matches(rule, grouped, set(exclude))).items():
            found.append(Match(rule.record_type, record_id, rule.id, rule.name, rule.action, score))
    if not found:
        return []
    visible = await _live(source, list({m.record_id for m in found}), principal)
    matches = [
        Match(
            m.record_type,
            m.record_id,
            m.rule_id,
            m.rule_name,
            m.action,
            m.score,
            visible[m.record_id],
        )
        for m in found
        if m.record_id in visible
    ]
    matches.sort(key=lambda m: (-m.score, str(m.record_id), m.rule_name))
    return matches[:MAX_MATCHES]


async def _live(
    source: Source, ids: list[uuid.UUID], principal: Principal | None
) -> dict[uuid.UUID, bool]:
    """Which of `ids` are live records of the type, and whether `principal` may see each."""
    params = Params(current_tenant_id(), ids)
    where = ["t.tenant_id = $1", "t.id = ANY($2::uuid[])", "t.deleted_at IS NULL"]
    if source.object_id is not None:
        where.append(f"t.object_id = {params.add(source.object_id)}")
    visible = owned_visibility_sql(principal, params) if principal is not None else None
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id, {visible or 'true'} AS visible FROM {source.table} t WHERE {' AND '.join(where)}",
        params.values,
    )
    return {row["id"]: row["visible"] for row in rows}
