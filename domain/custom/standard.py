"""Custom fields on standard records (Customer, Contact, Lead, Opportunity, Ticket): the same
checks as custom objects' values, run by the standard write flow on every write path."""

from __future__ import annotations

import uuid
from typing import Any

from domain.custom.files import check_files
from domain.custom.metadata import load_standard_fields
from domain.custom.relations import check_relations
from domain.custom.rollups import with_empty_rollups
from domain.custom.values import (
    assign_auto_numbers,
    check_values,
    claim_unique,
    compute_formulas,
    release_unique,
)
from domain.errors import FieldError
from domain.records.spec import RecordSpec


class StandardCustomFields:
    async def prepare(
        self,
        spec: RecordSpec,
        given: Any,
        current: dict[str, Any] | None,
        prefix: str,
    ) -> tuple[dict[str, Any] | None, dict[str, Any], list[FieldError]]:
        fields = await load_standard_fields(spec.record_type)
        result = check_values(fields, given, current=current, prefix=prefix)
        errors = result.errors + await check_relations(fields, [(prefix, result.values)])
        if errors:
            return None, {}, errors
        values = result.values
        if current is None:
            values = with_empty_rollups(fields, await assign_auto_numbers(fields, values))
        return compute_formulas(fields, values), result.columns, []

    async def check(
        self, spec: RecordSpec, given: Any, *, creating: bool, prefix: str
    ) -> list[FieldError]:
        fields = await load_standard_fields(spec.record_type)
        result = check_values(fields, given, current=None if creating else {}, prefix=prefix)
        return result.errors + await check_relations(fields, [(prefix, result.values)])

    async def claim(
        self,
        spec: RecordSpec,
        record_id: uuid.UUID,
        values: dict[str, Any] | None,
        previous: dict[str, Any] | None,
        prefix: str,
    ) -> list[FieldError]:
        fields = await load_standard_fields(spec.record_type)
        errors = await check_files(
            fields, spec.record_type, record_id, values, previous, prefix=prefix
        )
        return errors + await claim_unique(fields, record_id, values or {}, previous, prefix=prefix)

    async def release(self, spec: RecordSpec, record_id: uuid.UUID) -> None:
        await release_unique(record_id)
