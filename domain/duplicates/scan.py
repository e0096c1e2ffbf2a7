"""The tenant-wide duplicate scan: a background job (domain/jobs) that keys every live record of
one object for the active rules, then asks the rules for each record's matches and groups the
records that match, directly or through others, into sets for review. Resumable: the records done
and the sets so far are the job's checkpoint, committed with each batch."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.duplicates.fields import source_of
from domain.duplicates.keys import rebuild_keys, stored_keys
from domain.duplicates.matching import find_matches
from domain.duplicates.rules import DUPLICATE_RULE_SPEC, active_rules
from domain.errors import InvalidInput
from domain.identity.principal import Principal
from domain.jobs import RunningJob, start_job
from domain.records.rights import Action
from tenants.context import current_tenant_id, tenant_connection

KIND = "duplicates.scan"
BATCH = 200


@dataclass
class ScanLimits:
    max_records: int = 200_000  # records of one object a scan reads (tessera/settings.py)


SCAN_LIMITS = ScanLimits()


def configure_scan_limits(*, max_records: int) -> None:
    SCAN_LIMITS.max_records = max_records


async def start_scan(*, principal: Principal, record_type: str) -> dict[str, Any]:
    """Queue a scan of `record_type` (admins: a scan reads every record, whoever may see it)."""
    DUPLICATE_RULE_SPEC.require(principal, Action.UPDATE)
    if await source_of(record_type) is None:
        raise InvalidInput.single(
            "object", "UNKNOWN_OBJECT", "Customer, Contact, Lead or a custom object's api name"
        )
    return await start_job(KIND, {"object": record_type}, principal=principal)


class _Sets:
    """Union-find over record ids (as text: it lives in the job's JSON checkpoint)."""

    def __init__(self, parent: dict[str, str]) -> None:
        self.parent = parent

    def find(self, item: str) -> str:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression keeps later finds short
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def join(self, a: str, b: str) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[str]]:
        grouped: dict[str, list[str]] = {}
        for item in list(self.parent):
            grouped.setdefault(self.find(item), []).append(item)
        return sorted(
            (sorted(members) for members in grouped.values() if len(members) > 1),
            key=lambda g: g[0],
        )


async def run_scan(job: RunningJob) -> dict[str, Any]:
    """The job's handler: key, then match batch by batch, then the sets."""
    record_type = str(job.params["object"])
    state = job.checkpoint
    if not state.get("keyed"):
        async with job.batch():
            total = await _count(record_type)
            if total > SCAN_LIMITS.max_records:
                raise InvalidInput.single(
                    "object",
                    "TOO_MANY_RECORDS",
                    f"a scan reads at most {SCAN_LIMITS.max_records} records",
                )
            await rebuild_keys(record_type)
            job.checkpoint = state = {
                "keyed": True,
                "after": str(uuid.UUID(int=0)),
                "parent": {},
                "rules": {},
            }
            await job.progress(0, total)
    sets = _Sets(state["parent"])
    while True:
        async with job.batch():
            source = await source_of(record_type)
            rules = await active_rules(record_type)
            ids = await _next_ids(record_type, uuid.UUID(state["after"]))
            if source is None or not ids:
                break
            keys = await stored_keys(record_type, ids)
            for record_id in ids:
                for match in await find_matches(
                    source, rules, keys[record_id], principal=None, exclude={record_id}
                ):
                    sets.join(str(record_id), str(match.record_id))
                    pair = str(min(record_id, match.record_id))
                    state["rules"].setdefault(pair, [])
                    if match.rule_name not in state["rules"][pair]:
                        state["rules"][pair].append(match.rule_name)
            state["after"] = str(ids[-1])
            job.checkpoint = state
            await job.progress(job.done + len(ids))
    groups = sets.groups()
    return {
        "object": record_type,
        "recordsScanned": job.done,
        "setsCount": len(groups),
        "sets": [
            {
                "recordIds": group,
                "rules": sorted({r for member in group for r in state["rules"].get(member, [])}),
            }
            for group in groups
        ],
    }


async def _count(record_type: str) -> int:
    source = await source_of(record_type)
    if source is None:
        return 0
    extra, params = source.where("t", 2)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT count(*) AS n FROM {source.table} t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL{extra}",
        [current_tenant_id(), *params],
    )
    count: int = rows[0]["n"]
    return count


async def _next_ids(record_type: str, after: uuid.UUID) -> list[uuid.UUID]:
    source = await source_of(record_type)
    if source is None:
        return []
    extra, params = source.where("t", 4)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id FROM {source.table} t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL AND t.id > $2{extra} "
        f"ORDER BY t.id LIMIT $3",
        [current_tenant_id(), after, BATCH, *params],
    )
    return [row["id"] for row in rows]
