"""The module `dramatiq` imports in each `tessera worker` process: takes the stop signals first
(workers/shutdown.py), configures the broker, then loads the actors."""

import gc

from tessera.settings import load_settings
from workers.shutdown import BoundedShutdown

_settings = load_settings()
shutdown = BoundedShutdown(_settings.worker_shutdown_timeout_seconds).take_stop_signals()

from domain import MODEL_MODULES  # noqa: E402 - the slower imports come after the signals are ours
from domain.telemetry import subscribe  # noqa: E402
from tessera.domain_wiring import wire_domain  # noqa: E402
from tessera.liveness import Liveness  # noqa: E402
from tessera.logging import configure_logging  # noqa: E402
from tessera.outbound import configure_outbound_traffic  # noqa: E402
from workers import metrics  # noqa: E402
from workers.broker import configure_broker  # noqa: E402

configure_logging(_settings.log_level)
configure_outbound_traffic(_settings)
wire_domain()
broker = configure_broker(
    redis_url=_settings.redis_url,
    database_url=_settings.app_database_url(),
    model_modules=MODEL_MODULES,
    heartbeat_timeout_ms=_settings.queue_heartbeat_timeout_ms,
    maintenance_chance=_settings.queue_maintenance_chance,
    on_takeover_pass=Liveness.of(_settings, "worker").starting().beat,
    metrics=bool(_settings.metrics_port),  # served as `tessera worker` set up (tessera/cli.py)
)
broker.add_middleware(shutdown)
subscribe(metrics.record_outcome)

import workers.events  # noqa: E402 - actors bind to the broker configured above
import workers.identity  # noqa: E402
import workers.jobs  # noqa: E402,F401

# Everything loaded so far lives as long as the process: out of the collector's way, so that the
# full collections that large batches (imports) trigger do not walk it again and again.
gc.collect()
gc.freeze()
