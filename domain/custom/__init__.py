"""Tenant-defined objects and fields (the form engine): metadata, value types and records."""
