"""Data in and out: uploads and imports, exports, attachments (GraphQL and plain HTTP routes)."""
