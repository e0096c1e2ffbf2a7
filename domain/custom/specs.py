"""The record specs of object and field definitions: admins write them, every role reads them
(forms need them), and the generic record writes version and audit them."""

from __future__ import annotations

from domain.identity.roles import Role
from domain.records.rights import ALL, READ_ONLY, Action
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec

ADMIN_WRITES: dict[Role, frozenset[Action]] = {
    Role.ADMIN: ALL,
    **{role: READ_ONLY for role in Role if role is not Role.ADMIN},
}

OBJECT_SPEC = RecordSpec(
    record_type="CustomObject",
    table="custom_object",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("api_name", "api_name", Kind.TEXT),
        FieldSpec("label", "label", Kind.TEXT),
        FieldSpec("plural_label", "plural_label", Kind.TEXT),
        FieldSpec("description", "description", Kind.TEXT),
        FieldSpec("display_field", "display_field", Kind.TEXT),
        FieldSpec("searchable", "searchable", Kind.BOOL),
        FieldSpec("deprecated", "deprecated", Kind.BOOL),
        FieldSpec("rights", "rights", Kind.JSON),
    ),
    owned=False,
    scope_area="admin",
    rights=ADMIN_WRITES,
)

FIELD_SPEC = RecordSpec(
    record_type="CustomField",
    table="custom_field",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("object_id", "object_id", Kind.UUID),
        FieldSpec("standard_object", "standard_object", Kind.TEXT),
        FieldSpec("api_name", "api_name", Kind.TEXT),
        FieldSpec("label", "label", Kind.TEXT),
        FieldSpec("type", "field_type", Kind.TEXT),
        FieldSpec("required", "required", Kind.BOOL),
        FieldSpec("unique", "is_unique", Kind.BOOL),
        FieldSpec("read_only", "read_only", Kind.BOOL),
        FieldSpec("default_value", "default_value", Kind.JSON),
        FieldSpec("help_text", "help_text", Kind.TEXT),
        FieldSpec("config", "config", Kind.JSON),
        FieldSpec("validation", "validation", Kind.JSON),
        FieldSpec("position", "position", Kind.INT),
        FieldSpec("deprecated", "deprecated", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights=ADMIN_WRITES,
)
