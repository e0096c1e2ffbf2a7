"""The API's edge between the two vocabularies: clients see camelCase names (`stageId`,
`customFields.vat`, `items.0.expectedCloseDate`), the domain speaks snake_case (`stage_id`,
`custom_fields.vat`, `items.0.expected_close_date`). Names are mapped here, once, in both
directions; custom-field api names are the tenant's data and pass unchanged both ways."""

from __future__ import annotations

from domain.records.naming import (
    DATA_CONTAINERS,
    VOCABULARY,
    camel,
    client_name,
    client_text,
    domain_name,
)

__all__ = ["camel", "client_name", "client_text", "domain_field", "domain_name", "plural"]


def plural(type_name: str) -> str:
    """The plural of a record type's name in mutation names (bulkCreateOpportunities)."""
    return type_name[:-1] + "ies" if type_name.endswith("y") else type_name + "s"


def domain_field(name: str) -> str:
    """A field named by a client at run time (a custom object's filter or sort field, a field
    rule's field): the vocabulary's name for `ownerId`, `customFields.vat`, `customer.tier`...;
    anything else (a tenant's api name, an unknown name the domain will refuse) as sent."""
    segments = name.split(".")
    for index, segment in enumerate(segments):
        converted = domain_name(segment)
        if converted in VOCABULARY:
            segments[index] = converted
        if converted in DATA_CONTAINERS:
            break
    return ".".join(segments)
