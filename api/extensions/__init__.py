"""Schema extensions: the tenant-scoped transaction around each operation, and its observation."""
