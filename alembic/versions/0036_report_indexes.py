"""Indexes for the standard analytics whose windows no index narrowed: deals closed in a period
(win rates, sales cycle, leaderboard) and deals expected to close in the forecast's months, both
covering what those reports read (an index-only scan once autovacuum has marked the pages
all-visible); and the ticket backlog, which reads only tickets not yet done: a partial index of
those, a small part of a service desk's history. Partial on `deleted_at IS NULL`, which every
report applies. Tickets created in a window already have ticket_created_idx (0005).
docs/performance.md, "Reports".

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-02
"""

from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

# name -> definition; the report each one serves in the comment.
INDEXES = {
    # winRates, salesCycle, leaderboard: deals closed in a window.
    "opportunity_closed_report_idx": "opportunity (tenant_id, closed_at) "
    "INCLUDE (stage_id, owner_id, team_id, pipeline_id, amount, created_at) "
    "WHERE deleted_at IS NULL AND closed_at IS NOT NULL",
    # salesForecast: open deals by expected close month, with or without a pipeline.
    "opportunity_expected_close_report_idx": "opportunity (tenant_id, expected_close_date) "
    "INCLUDE (stage_id, pipeline_id, amount, probability) WHERE deleted_at IS NULL",
    # ticketBacklog: only tickets not yet done (the statuses of domain/reports/service.py DONE_STATUSES).
    "ticket_backlog_report_idx": "ticket (tenant_id, status, created_at) "
    "WHERE deleted_at IS NULL AND status NOT IN ('RESOLVED', 'FOLLOWED_UP', 'CLOSED')",
}


def upgrade() -> None:
    for name, definition in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {definition}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
