"""Builds the API app and the worker broker from settings: the only place that reads both."""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from api.app import ApiConfig, create_app
from api.cors import DEV_ORIGINS, CorsPolicy
from api.ratelimit import RateLimits
from api.schema import SchemaLimits
from api.subscriptions.hub import LiveLimits
from domain import MODEL_MODULES
from domain.identity.access_tokens import TokenConfig
from tessera.domain_wiring import wire_domain
from tessera.logging import configure_logging
from tessera.outbound import configure_outbound_traffic
from tessera.report_wiring import wire_report_runner
from tessera.settings import Settings, load_settings


def token_config(settings: Settings) -> TokenConfig:
    return TokenConfig(
        secret=settings.jwt_secret_value(),
        algorithm=settings.jwt_algorithm,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
    )


def cors_policy(settings: Settings) -> CorsPolicy:
    origins = settings.cors_origin_list
    if origins is None:
        origins = () if settings.is_prod else DEV_ORIGINS
    return CorsPolicy(
        origins=origins,
        allow_credentials=settings.cors_allow_credentials,
        max_age_seconds=settings.cors_max_age_seconds,
    )


def api_config(settings: Settings) -> ApiConfig:
    return ApiConfig(
        app_database_url=settings.app_database_url(),
        redis_url=settings.redis_url,
        model_modules=MODEL_MODULES,
        token_config=token_config(settings),
        limits=SchemaLimits(
            max_depth=settings.max_query_depth,
            max_tokens=settings.max_query_tokens,
            max_aliases=settings.max_aliases,
            max_batch_operations=settings.max_batch_operations,
            introspection=settings.introspection_enabled,
        ),
        fast_execution=settings.graphql_executor == "fast",
        compiled_reads=settings.compiled_reads,
        rate_limits=RateLimits(
            tenant_per_minute=settings.tenant_rate_limit_per_minute,
            token_per_minute=settings.token_rate_limit_per_minute,
            login_per_identity=settings.login_rate_limit_per_identity,
            login_per_client=settings.login_rate_limit_per_client,
            login_window_seconds=settings.login_rate_limit_window_seconds,
        ),
        graphiql=settings.graphiql_enabled,
        cors=cors_policy(settings),
        live_limits=LiveLimits(
            per_connection=settings.subscriptions_per_connection,
            per_tenant=settings.subscriptions_per_tenant,
            queue_size=settings.subscription_queue_size,
            ping_seconds=settings.subscription_ping_seconds,
            auth_check_seconds=settings.subscription_auth_check_seconds,
            init_timeout_seconds=settings.subscription_init_timeout_seconds,
            job_poll_seconds=settings.job_progress_poll_seconds,
        ),
        max_request_bytes=settings.max_request_bytes,
        max_upload_body_bytes=max(settings.max_upload_bytes, settings.max_attachment_bytes)
        + 1024 * 1024,
        db_pool_size=settings.db_pool_size,
        metrics_on_api_port=settings.metrics_on_api_port_enabled,
        metrics_address=(settings.metrics_host, settings.metrics_port)
        if settings.metrics_port
        else None,
        wire_domain=wire_api_domain,
    )


def wire_api_domain() -> None:
    """The domain's plug-ins, and the saved-report runner (report delivery runs in this process
    when tests or an operator fire the scheduler's pass here)."""
    wire_domain()
    wire_report_runner()


def create_api() -> Starlette:  # uvicorn factory
    """uvicorn's app factory (`tessera serve`)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    configure_outbound_traffic(settings)
    app = create_app(api_config(settings))
    settle_heap()
    return app


# A request allocates tens of thousands of short-lived objects. With the collector's defaults
# (a young collection every 700 allocations) it ran many times per request, and every hundredth
# run walked the whole heap, schema and modules included: about a tenth of a list request's time.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_heap() -> None:
    """Once start-up is done: keep what it built out of every later collection, and collect
    young objects less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, 10, 10)
