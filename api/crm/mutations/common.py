"""Parsing shared by the record mutations: ids, versions and field values."""

from __future__ import annotations

from typing import Any

from api.records.ids import decode_id
from api.records.inputs import values_of
from domain.records.service import Change


def change_of(data: Any, record_type: str, *, prefix: str = "") -> Change:
    return Change(
        id=decode_id(data.id, expected=record_type, field=f"{prefix}id"),
        version=data.version,
        values=values_of(data, prefix=prefix),
    )
