"""Tenant registry, tenant context and the one way to open a tenant-scoped transaction."""
