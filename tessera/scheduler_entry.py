"""`tessera scheduler`: fires time-based automation rules and resumes waiting runs."""

from __future__ import annotations

import asyncio
import signal

from domain import MODEL_MODULES
from domain.telemetry import subscribe
from tessera.domain_wiring import wire_domain
from tessera.liveness import Liveness
from tessera.logging import configure_logging
from tessera.outbound import configure_outbound_traffic
from tessera.report_wiring import wire_report_runner
from tessera.settings import load_settings
from workers import metrics
from workers.scheduler import run_scheduler


def run(*, poll_seconds: float, once: bool) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    configure_outbound_traffic(settings)
    wire_domain()
    wire_report_runner()  # scheduled report e-mails run saved reports
    liveness = Liveness.of(settings, "scheduler").starting()
    subscribe(metrics.record_outcome)  # rules the scheduler fires, deliveries it retries
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_scheduler(
            database_url=settings.app_database_url(),
            model_modules=MODEL_MODULES,
            stop=stop,
            poll_seconds=poll_seconds,
            once=once,
            on_pass=liveness.beat,
            sla_batch=settings.sla_timer_batch,
        )

    asyncio.run(main())
    return 0
