"""GraphQL surface of the tenant's settings: `tenantSettings` and `updateTenantSettings`."""
