"""FILE and IMAGE fields: the value is the id of a file attached to the same record (uploaded with
POST /files/attachments/<record id>, so the file is the tenant's and the record's, under the same
rights). An IMAGE takes only files whose sniffed content type is an image; either may narrow the
size (`maxBytes`) and the content types (`contentTypes`, such as `application/pdf` or `image/*`).
Checked when a value changes, once the record exists (a new record has no files yet)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from domain.custom.fieldtypes import FILE_TYPES, FieldDef, FieldType
from domain.errors import FieldError
from domain.files.limits import LIMITS
from tenants.context import current_tenant_id, tenant_connection

CUSTOM_RECORD = "CustomRecord"  # the record type custom objects' records' files are attached to
MAX_CONTENT_TYPES = 20
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/(\*|[a-z0-9][a-z0-9.+-]*)$")


def check_file_settings(config: dict[str, Any], errors: list[FieldError]) -> None:
    """Check and normalise a FILE or IMAGE field's `maxBytes` and `contentTypes` in place."""
    size = config.get("maxBytes")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            errors.append(FieldError("config.maxBytes", "OUT_OF_RANGE", "a positive whole number"))
        elif size > LIMITS.max_attachment_bytes:
            errors.append(
                FieldError(
                    "config.maxBytes",
                    "OUT_OF_RANGE",
                    f"at most {LIMITS.max_attachment_bytes} (MAX_ATTACHMENT_BYTES)",
                )
            )
    types = config.get("contentTypes")
    if types is not None:
        if (
            not isinstance(types, list)
            or not 1 <= len(types) <= MAX_CONTENT_TYPES
            or not all(isinstance(t, str) and _CONTENT_TYPE.match(t.strip().lower()) for t in types)
        ):
            errors.append(
                FieldError(
                    "config.contentTypes",
                    "INVALID_CONTENT_TYPES",
                    f"1 to {MAX_CONTENT_TYPES} content types such as application/pdf or image/*",
                )
            )
        else:
            config["contentTypes"] = sorted({t.strip().lower() for t in types})


def _allowed(content_type: str, patterns: list[str]) -> bool:
    major = content_type.split("/", 1)[0]
    return any(p == content_type or p == f"{major}/*" for p in patterns)


def _problem(field: FieldDef, row: dict[str, Any]) -> FieldError | None:
    name, content_type = field.api_name, row["content_type"]
    if field.type is FieldType.IMAGE and not content_type.startswith("image/"):
        return FieldError(name, "NOT_AN_IMAGE", f"{name} takes images; this file is {content_type}")
    patterns = field.setting("contentTypes")
    if patterns and not _allowed(content_type, patterns):
        return FieldError(
            name,
            "FILE_TYPE_NOT_ALLOWED",
            f"{name} takes {', '.join(patterns)}; this file is {content_type}",
        )
    limit = field.setting("maxBytes")
    if limit is not None and row["size"] > limit:
        return FieldError(name, "FILE_TOO_LARGE", f"{name} takes files of at most {limit} bytes")
    return None


async def check_files(
    fields: tuple[FieldDef, ...],
    record_type: str,
    record_id: uuid.UUID,
    values: dict[str, Any] | None,
    previous: dict[str, Any] | None,
    *,
    prefix: str,
) -> list[FieldError]:
    """Errors for FILE and IMAGE values (changed from `previous`) that are not a fitting file
    attached to this record (`record_type`: a standard type or CustomRecord); one statement."""
    now, before = values or {}, previous or {}
    changed = [
        (field, str(now[field.api_name]))
        for field in fields
        if field.type in FILE_TYPES
        and not field.deleted
        and now.get(field.api_name) is not None
        and now.get(field.api_name) != before.get(field.api_name)
    ]
    if not changed:
        return []
    rows = await tenant_connection().execute_query_dict(
        "SELECT id, content_type, size FROM stored_file WHERE tenant_id = $1 AND id = ANY($2::uuid[]) "
        "AND purpose = 'ATTACHMENT' AND complete AND record_type = $3 AND record_id = $4",
        [current_tenant_id(), [uuid.UUID(v) for _, v in changed], record_type, record_id],
    )
    found = {str(row["id"]): row for row in rows}
    errors = []
    for field, file_id in changed:
        row = found.get(file_id)
        problem = (
            FieldError(
                field.api_name,
                "NOT_FOUND",
                f"{field.api_name}: no such file on this record (attach it to the record first)",
            )
            if row is None
            else _problem(field, row)
        )
        if problem is not None:
            errors.append(FieldError(prefix + problem.field, problem.code, problem.message))
    return errors
