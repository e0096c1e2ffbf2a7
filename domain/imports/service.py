"""Starting imports: the preview of an uploaded file (its columns, the automatic mapping, a few
rows) and the start of an import job, checked before it is queued."""

from __future__ import annotations

import uuid
from itertools import islice
from typing import Any

from domain.errors import InvalidInput
from domain.files.limits import LIMITS
from domain.identity.principal import Principal
from domain.imports.fields import auto_mapping, import_targets
from domain.imports.reader import open_table
from domain.imports.run import KIND, fetch_upload, plan_import
from domain.jobs import start_job

SAMPLE_ROWS = 5


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


async def preview_import(
    *, principal: Principal, file_id: uuid.UUID, object_name: str, encoding: str | None = None
) -> dict[str, Any]:
    """What an import of the file into the object would read: headers, automatic mapping, rows."""
    row, data = await fetch_upload(file_id, principal.user_id)
    targets = await import_targets(object_name)
    with data, open_table(data, row["content_type"], encoding=encoding) as table:
        sample = [[_cell(c) for c in cells] for _, cells in islice(table.rows, SAMPLE_ROWS)]
        return {
            "file": row,
            "encoding": table.encoding,
            "headers": table.headers,
            "mapping": auto_mapping(table.headers, targets),
            "sample": sample,
            "fields": [{"name": t.name, "label": t.label} for t in targets.values()],
        }


async def start_import(*, principal: Principal, params: dict[str, Any]) -> dict[str, Any]:
    """Check the import (file, object, mapping, mode, rights, row count) and queue its job.
    Without a mapping, the automatic one is used."""
    try:
        file_id = uuid.UUID(str(params.get("fileId")))
    except ValueError:
        raise InvalidInput.single("fileId", "INVALID_ID", "the id of an uploaded file") from None
    row, data = await fetch_upload(file_id, principal.user_id)
    with data, open_table(data, row["content_type"], encoding=params.get("encoding")) as table:
        if not params.get("mapping"):
            params["mapping"] = auto_mapping(
                table.headers, await import_targets(str(params.get("object") or ""))
            )
        await plan_import(params, table.headers, principal)
        total = table.rows_estimate
        if total is None:
            total = sum(1 for _ in islice(table.rows, LIMITS.max_import_rows + 1))
    if total > LIMITS.max_import_rows:
        raise InvalidInput.single(
            "file", "TOO_MANY_ROWS", f"an import takes at most {LIMITS.max_import_rows} rows"
        )
    params = {
        **params,
        "fileId": str(file_id),
        "rowsTotal": total,
        "encoding": table.encoding or params.get("encoding"),
    }
    return await start_job(KIND, params, principal=principal)
