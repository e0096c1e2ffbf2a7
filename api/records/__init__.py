"""The record kernel: what every record type of the API builds on.

The Record interface and building types from rows (record.py), the User and Team types and the
Role enum (users.py, teams.py), the Owned mixin (owned.py), the audit trail (history.py),
relations declared once (relations.py), per-request loaders (loaders.py), what lists read with
their page (prefetch.py), pages (pagination.py), the standard mutations (crud.py), filters,
sorting, inputs and ids. Areas (api/crm, api/automation, ...) and api/custom build on it; it
imports neither (see the import contracts in pyproject.toml)."""
