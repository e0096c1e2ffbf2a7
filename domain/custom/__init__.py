"""Tenant-defined objects and fields (the form engine): metadata, value types and records.

Importing the package plugs the custom-field checks into the standard record writes, so every
path that writes a customer, contact, lead, opportunity or ticket enforces them."""

from domain.custom.standard import StandardCustomFields
from domain.records.service import plug_custom_fields

plug_custom_fields(StandardCustomFields())
