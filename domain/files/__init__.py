"""Files kept in PostgreSQL (uploads to import, exports, attachments), written and read as streams."""
