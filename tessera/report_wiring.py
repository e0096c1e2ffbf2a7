"""Plugs the API's saved-report runner into report delivery (domain/reports/delivery.py): a saved
report's query is rebuilt from its parameters by api/reports/running.py, and the scheduler sends
scheduled reports with it. Kept apart from tessera/domain_wiring.py so that the worker and the
relay do not import the API; the scheduler and the API process call it."""

from __future__ import annotations

from typing import Any

from api.reports.running import ReportKind, run
from domain.identity.principal import Principal
from domain.reports.delivery import plug_report_runner
from domain.reports.tables import Table


async def run_saved(kind: str, params: Any, principal: Principal) -> Table:
    return await run(ReportKind(kind), params, principal)


def wire_report_runner() -> None:
    plug_report_runner(run_saved)
