"""The report engine: aggregates over any object (grouped, measured, filtered like lists and
limited by the same visibility and field rights), and the standard analytics built on them.
Everything is computed by PostgreSQL in one statement per report (docs/reports.md)."""
