"""Inputs of the custom-object API, and the filter and order of custom records turned into the
domain's Filter and Order (values parsed per field type, so they compare like stored values)."""

from __future__ import annotations

import uuid
from enum import Enum

import strawberry
from strawberry import UNSET
from strawberry.relay import GlobalID
from strawberry.scalars import JSON

from api.custom.filtering import normalise_filter
from api.custom.types import FieldType
from api.records.dynamic import RecordFilter, record_filter_tree
from api.records.ids import decode_id
from api.records.users import Role
from domain.custom.metadata import ObjectDef
from domain.records.filters import Filter
from domain.records.spec import RecordSpec


@strawberry.input
class CreateObjectInput:
    api_name: str = strawberry.field(
        description="lower_snake_case, at most 40 characters; never changes"
    )
    label: str
    plural_label: str
    description: str | None = None
    searchable: bool = False
    rights: JSON | None = strawberry.field(
        default=None, description="{role: [READ, CREATE, UPDATE, DELETE]}"
    )


@strawberry.input
class UpdateObjectInput:
    api_name: str
    version: int
    label: str | None = UNSET
    plural_label: str | None = UNSET
    description: str | None = UNSET
    display_field: str | None = UNSET
    searchable: bool | None = UNSET
    deprecated: bool | None = UNSET
    rights: JSON | None = UNSET


@strawberry.input
class ObjectRefInput:
    api_name: str
    version: int | None = None


@strawberry.input
class CreateFieldInput:
    object: str = strawberry.field(
        description="A custom object's api name, or Customer, Contact, Lead, Opportunity, Ticket"
    )
    api_name: str
    label: str
    type: FieldType
    required: bool = False
    unique: bool = False
    read_only: bool = False
    default_value: JSON | None = None
    help_text: str | None = None
    config: JSON | None = None
    validation: JSON | None = None


@strawberry.input
class UpdateFieldInput:
    id: GlobalID
    version: int
    label: str | None = UNSET
    type: FieldType | None = UNSET
    required: bool | None = UNSET
    read_only: bool | None = UNSET
    default_value: JSON | None = UNSET
    help_text: str | None = UNSET
    config: JSON | None = UNSET
    validation: JSON | None = UNSET
    deprecated: bool | None = UNSET


@strawberry.input
class FieldRefInput:
    id: GlobalID
    version: int | None = None


@strawberry.input
class ReorderFieldsInput:
    object: str
    api_names: list[str]


@strawberry.input
class CreateRecordInput:
    object: str
    values: JSON
    owner_id: GlobalID | None = UNSET
    team_id: GlobalID | None = UNSET


@strawberry.input
class BulkCreateRecordsInput:
    object: str
    items: list[JSON] = strawberry.field(
        description="Each {values, ownerId?, teamId?}; at most 100"
    )


@strawberry.input
class UpdateRecordInput:
    id: GlobalID
    version: int
    values: JSON | None = UNSET
    owner_id: GlobalID | None = UNSET
    team_id: GlobalID | None = UNSET


@strawberry.input
class BulkUpdateRecordsInput:
    items: list[UpdateRecordInput] = strawberry.field(description="At most 100; all or nothing")


@strawberry.input
class RecordRefInput:
    id: GlobalID
    version: int | None = None


def to_filter(node: RecordFilter | None, obj: ObjectDef, spec: RecordSpec) -> Filter | None:
    """The domain filter of a custom object's RecordFilter, operands parsed per field."""
    return None if node is None else normalise_filter(record_filter_tree(node), obj.fields, spec)


def uuid_of(value: GlobalID | None, expected: str, field: str) -> uuid.UUID | None:
    return None if value is None else decode_id(value, expected=expected, field=field)


@strawberry.enum(
    description="What a role may do with a field: everything, only read it, or not even see it"
)
class FieldAccessLevel(Enum):
    EDITABLE = "EDITABLE"
    READ_ONLY = "READ_ONLY"
    HIDDEN = "HIDDEN"


@strawberry.input
class SetFieldAccessInput:
    object: str = strawberry.field(
        description="A custom object's api name, or Customer, Contact, Lead, Opportunity, Ticket"
    )
    field: str = strawberry.field(
        description="A custom field's api name; on standard objects customFields.<name> or a built-in field"
    )
    role: Role
    access: FieldAccessLevel


@strawberry.input
class IndexFieldInput:
    field: str
    descending: bool = False


@strawberry.input
class CreateIndexInput:
    object: str
    fields: list[IndexFieldInput] = strawberry.field(
        description="Equality-filtered fields first, the sort field last; 1 to 3"
    )


@strawberry.input
class DropIndexInput:
    id: GlobalID
