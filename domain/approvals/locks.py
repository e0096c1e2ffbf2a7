"""Record locks while an approval is pending: a change to a locked field is refused with CONFLICT
(reason RECORD_LOCKED, naming the request); unlocked fields stay editable. Admins (and the work
done in their name: rules, final outcomes) may change locked fields; each such override is written
to the record's audit trail as `approval_lock_overridden`.

A record with a pending request cannot be deleted (or merged away) by anyone until the request is
recalled or decided.

Checked in the one place every record update and deletion goes through (domain/records/writes),
with one probe of the unique index of pending requests."""

from __future__ import annotations

import json
from typing import Any

from domain.errors import Conflict
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.naming import client_name, domain_name
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

# Tables of records that approval processes run on (standard objects and custom records).
LOCKABLE = frozenset({"customer", "contact", "lead", "opportunity", "ticket", "custom_record"})
# Bookkeeping a change may make while the record is locked: it is not the record's content.
NEVER_LOCKED = frozenset({"last_activity_at", "search_text", "version", "updated_at"})


def changed_names(spec: RecordSpec, diff: dict[str, tuple[Any, Any]]) -> set[str]:
    """The names of what a change touches: custom fields of standard records as
    custom_fields.<name>, a custom record's values by their own names."""
    names: set[str] = set()
    for column, (old, new) in diff.items():
        if column in ("custom_fields", "data"):
            before, after = old or {}, new or {}
            prefix = CUSTOM_FIELDS_PREFIX if column == "custom_fields" else ""
            names |= {
                prefix + key
                for key in set(before) | set(after)
                if before.get(key) != after.get(key)
            }
        else:
            names.add(spec.name_of(column))
    return names - NEVER_LOCKED


async def pending_lock(record_id: Any) -> dict[str, Any] | None:
    rows = await tenant_connection().execute_query_dict(
        "SELECT id, definition->'lockAll' AS lock_all, definition->'lockedFields' AS locked_fields FROM approval_request "
        "WHERE tenant_id = $1 AND record_id = $2 AND status = 'PENDING'",
        [current_tenant_id(), record_id],
    )
    return rows[0] if rows else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class ApprovalLocks:
    async def check_delete(self, spec: RecordSpec, row: dict[str, Any]) -> None:
        """A record with a pending request is not deleted (nor merged away), whoever asks: the
        request would be left deciding on nothing. Recall it first (admins may recall any)."""
        if spec.table not in LOCKABLE:
            return
        lock = await pending_lock(row["id"])
        if lock is not None:
            raise Conflict(
                f"the record has a pending approval request ({lock['id']}); recall it before deleting the record",
                reason="RECORD_LOCKED",
                refs={"approvalRequestId": ("ApprovalRequest", lock["id"])},
            )

    async def check(
        self,
        spec: RecordSpec,
        row: dict[str, Any],
        diff: dict[str, tuple[Any, Any]],
        principal: Principal,
    ) -> None:
        if spec.table not in LOCKABLE:
            return
        lock = await pending_lock(row["id"])
        if lock is None:
            return
        names = changed_names(spec, diff)
        locked = sorted(
            names
            if _json(lock["lock_all"])
            # The process definition is the client's document: fields named as GraphQL does.
            else names & {domain_name(n) for n in _json(lock["locked_fields"]) or []}
        )
        if not locked:
            return
        if principal.has_role(Role.ADMIN):
            await tenant_connection().execute_query(
                "INSERT INTO audit_event (tenant_id, id, record_type, record_id, action, actor_id, changes) "
                "VALUES ($1, $2, $3, $4, 'approval_lock_overridden', $5, $6::jsonb)",
                [
                    current_tenant_id(),
                    new_id(),
                    spec.record_type,
                    row["id"],
                    principal.user_id,
                    json.dumps(
                        {
                            "approvalRequestId": str(lock["id"]),
                            "fields": [client_name(n) for n in locked],
                        }
                    ),
                ],
            )
            return
        raise Conflict(
            f"{', '.join(locked)} {'is' if len(locked) == 1 else 'are'} locked while approval request {lock['id']} "
            "is pending; recall it or wait for the decision",
            reason="RECORD_LOCKED",
            refs={"approvalRequestId": ("ApprovalRequest", lock["id"])},
        )
