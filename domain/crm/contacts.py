"""Contacts: the people at customers, with normalised emails and phone numbers."""

from __future__ import annotations

from typing import Any, cast

from domain.crm.rows import ContactRow
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rights import ALL, READ_ONLY, READ_WRITE
from domain.records.spec import (
    COMMON_FIELDS,
    OWNERSHIP_FIELDS,
    FieldSpec,
    Kind,
    RecordSpec,
    Reference,
)
from domain.records.validation import Checker

CUSTOMER = Reference("customer", label="customer", owned=True)

CONTACT_SPEC = RecordSpec(
    record_type="Contact",
    table="contact",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("customer_id", "customer_id", Kind.UUID, references=CUSTOMER),
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("title", "title", Kind.TEXT, sortable=True),
        FieldSpec("emails", "emails", Kind.TEXT_ARRAY),
        FieldSpec("phones", "phones", Kind.TEXT_ARRAY),
        FieldSpec("messaging_ids", "messaging_ids", Kind.JSON),
        FieldSpec("marketing_consent", "marketing_consent", Kind.BOOL),
        FieldSpec("custom_fields", "custom_fields", Kind.JSON),
    ),
    searchable=True,
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_WRITE,
        Role.AGENT: READ_WRITE,
        Role.VIEWER: READ_ONLY,
    },
)


def validate_contact(check: Checker) -> None:
    check.text("name", required=True, max_length=300)
    check.text("title", max_length=200)
    check.emails("emails")
    check.phones("phones")
    check.json_object("messaging_ids", max_values=10)
    check.boolean("marketing_consent")
    check.reference("customer_id")
    check.reference("owner_id")
    check.reference("team_id")


async def create_contacts(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[ContactRow]:
    """Create contacts, optionally at a customer."""
    return cast(
        "list[ContactRow]",
        await service.create(
            CONTACT_SPEC, items, principal=principal, validate=validate_contact, bulk=bulk
        ),
    )


async def update_contacts(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[ContactRow]:
    """Change contacts, each against the version the caller last saw."""
    return cast(
        "list[ContactRow]",
        await service.update(
            CONTACT_SPEC, changes, principal=principal, validate=validate_contact, bulk=bulk
        ),
    )
