"""The domain's one naming vocabulary: snake_case field names (`stage_id`), custom fields of
standard records as `custom_fields.<api name>`, error paths made of those (`items.0.stage_id`).
The API maps them to GraphQL's camelCase at its edge (api/records/names.py).

Custom-field api names are the tenant's data (`^[a-z][a-z0-9_]*$`, no capitals): they are never
converted, and `domain_name` leaves them as they are."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Path segments whose keys are tenant-named values: what follows them is data, never vocabulary.
DATA_CONTAINERS = frozenset({"custom_fields", "customFields", "values"})

# How rules, reports, mappings and other client documents name the custom fields of standard
# records (the domain: CUSTOM_FIELDS_PREFIX, custom_fields.<api name>).
CLIENT_CUSTOM_FIELDS_PREFIX = "customFields."

# Every snake_case name of the vocabulary: the fields of the record specs the code declares
# (RecordSpec registers them) and the names below, which are no spec's field (inputs, error path
# words). Tenant-named fields are not in it, so the API knows which names to show in camelCase and
# which are data. A name missing here reaches clients in snake_case: add it.
VOCABULARY: set[str] = {"custom_fields", "order_by", "member_ids", "api_names"}


def register(names: Iterable[str]) -> None:
    """Add the snake_case names among `names` to the vocabulary (dotted ones name a custom
    field's place, not a name of the vocabulary)."""
    VOCABULARY.update(n for n in names if "_" in n.strip("_") and "." not in n)


_CAPITAL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def domain_name(name: str) -> str:
    """A field name (or a dotted path of them) as the domain spells it, from the client's or an
    older stored spelling: `stageId` -> `stage_id`, `customFields.vat` -> `custom_fields.vat`,
    `customer.lifecycleStage` -> `customer.lifecycle_stage`. Domain names come out unchanged,
    and so do tenant api names (lower case by rule)."""
    return _CAPITAL.sub(lambda m: "_" + m.group(1).lower(), name)


# Outgoing documents clients read (webhook payloads, live announcements) and the API show names
# in camelCase, GraphQL's spelling:


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def client_name(name: str) -> str:
    """A domain name or error path as clients know it: each segment of the vocabulary in
    camelCase, up to a segment that holds tenant-named values (`custom_fields`, a custom record's
    `values`), whose keys and everything below them stay as they are. Names that are not the
    vocabulary's (a custom object's field `deal_size`) and camel input come out unchanged."""
    segments = name.split(".")
    for index, segment in enumerate(segments):
        if segment in VOCABULARY:
            segments[index] = camel(segment)
        if segment in DATA_CONTAINERS:
            break
    return ".".join(segments)


def client_keys(values: dict[str, Any]) -> dict[str, Any]:
    """`values` keyed by field name, with the names as clients know them (see client_name)."""
    return {client_name(name): value for name, value in values.items()}


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def client_text(text: str) -> str:
    """`text` with each name of the vocabulary it mentions (whole words) spelled as clients know
    it: messages name the fields they are about ("stage_id is required")."""
    return _WORD.sub(lambda m: camel(m.group()) if m.group() in VOCABULARY else m.group(), text)
