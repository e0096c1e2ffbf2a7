"""GraphQL surface of tenant-defined objects and fields: metadata admin and custom records."""
