"""Starting an export: the object, the fields and the filter checked as the caller, then the job."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidInput
from domain.exports.filters import filter_to_json
from domain.exports.run import KIND, export_spec, exported_fields, page
from domain.exports.writers import FORMATS
from domain.identity.principal import Principal
from domain.jobs import start_job
from domain.records.filters import Filter
from domain.records.rights import Action


async def start_export(
    *,
    principal: Principal,
    object_name: str,
    filter: Filter | None,
    fields: list[str] | None,
    format: str,
) -> dict[str, Any]:
    if format not in FORMATS:
        raise InvalidInput.single("format", "INVALID_CHOICE", " or ".join(FORMATS))
    spec = await export_spec(object_name)
    spec.require(principal, Action.READ)
    chosen = await exported_fields(spec, principal, fields)
    await page(
        object_name, spec, principal, filter, None, first=1
    )  # a bad filter is refused now, not in the job
    params = {
        "object": object_name,
        "filter": filter_to_json(filter),
        "fields": chosen,
        "format": format,
    }
    return await start_job(KIND, params, principal=principal)
