"""`tessera relay`: the outbox relay process, wired to the broker and the database."""

from __future__ import annotations

import asyncio
import signal

from domain import MODEL_MODULES
from domain.events import Event
from tessera.domain_wiring import wire_domain
from tessera.liveness import Liveness
from tessera.logging import configure_logging
from tessera.settings import load_settings
from workers import metrics
from workers.broker import configure_broker


def run(*, poll_seconds: float) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    wire_domain()
    broker = configure_broker(
        redis_url=settings.redis_url,
        database_url=settings.app_database_url(),
        model_modules=MODEL_MODULES,
    )
    if settings.metrics_port:
        metrics.serve(settings.metrics_host, settings.metrics_port)
    gauges = metrics.RelayGauges(broker)
    from workers.events import dispatch_event
    from workers.live import Announcer
    from workers.relay import run_relay

    liveness = Liveness.of(settings, "relay").starting()

    announce = Announcer(settings.redis_url)

    def send(event: Event) -> None:
        dispatch_event.send(str(event.tenant_id), str(event.id))
        announce(event)  # to the API processes' subscribers (after commit: the event is committed)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_relay(
            database_url=settings.app_database_url(),
            model_modules=MODEL_MODULES,
            send=send,
            stop=stop,
            poll_seconds=poll_seconds,
            on_pass=liveness.beat,
            measure=gauges.measure,
        )

    asyncio.run(main())
    return 0
