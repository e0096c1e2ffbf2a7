"""duplicateCandidates: the records the tenant's rules (every action, ALLOW included) take for the
same as a stored record, or as values not stored yet (a form being filled in, a row to import)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.custom.metadata import STANDARD_OBJECTS, load_objects, record_spec
from domain.custom.records import get_custom_records
from domain.duplicates.checks import duplicates_for_values, duplicates_of
from domain.duplicates.fields import STANDARD
from domain.duplicates.matching import Match
from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records.listing import get_records
from domain.records.naming import domain_name
from domain.records.rights import Action
from domain.records.spec import RecordSpec


async def _spec(record_type: str) -> RecordSpec:
    if record_type in STANDARD:
        return STANDARD_OBJECTS[record_type]
    for obj in await load_objects():
        if obj.api_name == record_type:
            return record_spec(obj)
    raise InvalidInput.single(
        "object", "UNKNOWN_OBJECT", "Customer, Contact, Lead or a custom object's api name"
    )


async def candidates_of_record(
    *, principal: Principal, record_type: str, record_id: uuid.UUID
) -> list[Match]:
    """Matches of a stored record the principal may see (NotFound if they may not see it). A
    custom record is named by its id alone: record_type "CustomRecord" looks its object up."""
    if record_type == "CustomRecord":
        found = await get_custom_records(principal=principal, ids=[record_id])
        if record_id not in found:
            raise NotFound("CustomRecord not found")
        record_type = found[record_id][0].api_name
    else:
        spec = await _spec(record_type)
        if not await get_records(spec, [record_id], principal=principal):
            raise NotFound(f"{record_type} not found")
    return await duplicates_of(record_type, record_id, principal=principal)


async def candidates_of_values(
    *, principal: Principal, record_type: str, values: Any
) -> list[Match]:
    """Matches of values by API field name ({"emails": [...], "name": ...}; a custom object's
    field api names), as if they were a record being written."""
    spec = await _spec(record_type)
    spec.require(principal, Action.READ)
    if not isinstance(values, dict) or not values:
        raise InvalidInput.single("values", "INVALID_OBJECT", "an object of field names and values")
    if record_type in STANDARD:
        compared = {
            spec.name_of(source)
            for field in STANDARD[record_type].values()
            for source in field.sources
        }
        unknown = [name for name in values if domain_name(name) not in compared]
        row = {
            spec.field(domain_name(name)).column: value
            for name, value in values.items()
            if name not in unknown
        }
    else:
        unknown = [name for name in values if not spec.has(name)]
        row = {"data": {name: value for name, value in values.items() if name not in unknown}}
    if unknown:
        raise InvalidInput(
            [
                FieldError(
                    f"values.{name}", "UNKNOWN_FIELD", f"not a field {record_type} rules compare"
                )
                for name in unknown
            ]
        )
    return await duplicates_for_values(record_type, row, principal=principal)
