"""Tenant-defined objects and fields (the form engine): metadata, value types and records.

Importing the package plugs the custom-field checks into the standard record writes, so every
path that writes a customer, contact, lead, opportunity or ticket enforces them, and the fields
computed from hidden fields into the field rules, so every path hides them."""

from domain.custom.derived import hidden_with_derived
from domain.custom.standard import StandardCustomFields
from domain.records.field_access import plug_derived_fields
from domain.records.service import plug_custom_fields

plug_custom_fields(StandardCustomFields())
plug_derived_fields(hidden_with_derived)
