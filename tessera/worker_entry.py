"""The module `dramatiq` imports in `tessera worker`: configures the broker, then loads the actors."""

from domain import MODEL_MODULES
from domain.telemetry import subscribe
from tessera.logging import configure_logging
from tessera.settings import load_settings
from tessera.outbound import configure_outbound_traffic
from workers import metrics
from workers.broker import configure_broker

_settings = load_settings()
configure_logging(_settings.log_level)
configure_outbound_traffic(_settings)
broker = configure_broker(
    redis_url=_settings.redis_url,
    database_url=_settings.app_database_url(),
    model_modules=MODEL_MODULES,
    heartbeat_timeout_ms=_settings.queue_heartbeat_timeout_ms,
    maintenance_chance=_settings.queue_maintenance_chance,
    metrics=bool(_settings.metrics_port),  # served as `tessera worker` set up (tessera/cli.py)
)
subscribe(metrics.record_outcome)

import workers.events  # noqa: E402,F401 - actors bind to the broker configured above
import workers.identity  # noqa: E402,F401
import domain.custom  # noqa: E402,F401 - plugs custom-field checks into every record write
