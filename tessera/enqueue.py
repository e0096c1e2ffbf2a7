"""Sending jobs from operator commands (the API will send them through the outbox instead)."""

from __future__ import annotations

import uuid

from domain import MODEL_MODULES
from tessera.settings import load_settings
from workers.broker import configure_broker


def enqueue_purge_credentials(tenant_id: uuid.UUID) -> str:
    settings = load_settings()
    configure_broker(
        redis_url=settings.redis_url,
        database_url=settings.app_database_url(),
        model_modules=MODEL_MODULES,
    )
    from workers.identity import purge_expired_credentials

    return purge_expired_credentials.send(str(tenant_id)).message_id
