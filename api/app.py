"""The ASGI application: routes, middleware and the lifespan of its connections."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api import graphiql, system
from api.cors import CorsPolicy
from api.data import uploads
from api.http import GraphQLEndpoint
from api.integrations import hooks
from api.metrics import serve_metrics
from api.middleware import RequestContextMiddleware
from api.persisted_queries import PersistedQueries
from api.ratelimit import RateLimits
from api.schema import SchemaLimits, build_schema
from api.subscriptions.hub import LiveHub, LiveLimits
from api.surveys.routes import survey_page
from domain.identity.access_tokens import TokenConfig
from tenants.database import UNREACHABLE_ERRORS, ReachabilityProbe, connect, disconnect

UPLOAD_PATHS = ("/files/",)


@dataclass(frozen=True)
class ApiConfig:
    app_database_url: str
    redis_url: str
    model_modules: Sequence[str]
    token_config: TokenConfig
    limits: SchemaLimits
    rate_limits: RateLimits
    graphiql: bool
    max_request_bytes: int
    # Plugs the domain's checks in (tessera/domain_wiring.py); run before the app serves anything.
    wire_domain: Callable[[], None]
    db_pool_size: int = 10
    # The largest body an upload route takes (its file's own limit is checked as it streams in).
    max_upload_body_bytes: int = 51 * 1024 * 1024
    cors: CorsPolicy = CorsPolicy()  # no other origin may call the API unless configured
    live_limits: LiveLimits = field(default_factory=LiveLimits)  # subscriptions over WebSocket
    fast_execution: bool = True
    # Lists answered by one statement that builds their JSON (api/records/compiled.py); needs
    # the planned executor.
    compiled_reads: bool = True
    metrics_on_api_port: bool = True
    metrics_address: tuple[str, int] | None = (
        None  # (host, port) where this process serves its metrics
    )


def create_app(config: ApiConfig) -> Starlette:
    config.wire_domain()
    live_hub = LiveHub(config.redis_url, config.live_limits)
    graphql = GraphQLEndpoint(
        build_schema(config.limits, fast_execution=config.fast_execution),
        token_config=config.token_config,
        rate_limits=config.rate_limits,
        graphql_ide="graphiql" if config.graphiql else None,
        cors=config.cors,
        live_hub=live_hub,
        compiled_reads=config.compiled_reads and config.fast_execution,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await connect(
            config.app_database_url,
            config.model_modules,
            pool_size=config.db_pool_size,
            stateless=True,
        )
        exposition = serve_metrics(config.metrics_address) if config.metrics_address else None
        try:
            yield
        finally:
            if exposition is not None:
                exposition.shutdown()
                exposition.server_close()
            await live_hub.close()
            await app.state.redis.aclose()
            await app.state.db_probe.close()
            await disconnect()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions (graphql-transport-ws)
        Route("/healthz", system.healthz),
        Route("/readyz", system.readyz),
        Route("/hooks/{public_id}", hooks.webhook, methods=["POST"]),
        Route("/forms/{public_id}", hooks.form, methods=["POST"]),
        Route("/files/imports", uploads.upload_import_file, methods=["POST"]),
        Route("/jobs/{job_id}/errors.csv", uploads.job_errors_csv, methods=["GET"]),
        Route("/files/download/{token}", uploads.download, methods=["GET"]),
        Route("/files/attachments/{record_id}", uploads.upload_attachment, methods=["POST"]),
        Route("/surveys/{token}", survey_page, methods=["GET", "POST"]),
    ]
    if config.graphiql:  # its assets, from this package: the page works without internet access
        static = GZipMiddleware(StaticFiles(directory=graphiql.STATIC_DIR))
        routes.append(Mount(graphiql.STATIC_PATH, app=static, name="graphiql"))
    if config.metrics_on_api_port:  # anyone who reaches the API reaches these (development)
        routes.append(Route("/metrics", system.metrics))
    middleware = [
        Middleware(
            RequestContextMiddleware,
            max_body_bytes=config.max_request_bytes,
            upload_paths=UPLOAD_PATHS,
            max_upload_bytes=config.max_upload_body_bytes,
        )
    ]
    if (
        config.cors.enabled
    ):  # outermost: refusals (413, 429) carry the CORS headers a page needs to read them
        middleware.insert(0, config.cors.middleware())
    app = Starlette(
        routes=routes,
        middleware=middleware,
        # The GraphQL endpoint answers UNAVAILABLE itself; these are for the other routes.
        exception_handlers={error: system.unavailable for error in UNREACHABLE_ERRORS},
        lifespan=lifespan,
    )
    app.state.live_hub = live_hub
    app.state.token_config = config.token_config  # the file routes read bearer tokens too
    app.state.rate_limits = config.rate_limits  # the live limits, shared with the endpoint
    # Connects lazily, so a redis outage at start-up does not stop the API from serving.
    app.state.redis = Redis.from_url(config.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.state.persisted_queries = PersistedQueries(app.state.redis)
    app.state.db_probe = ReachabilityProbe(config.app_database_url)  # for /readyz, outside the pool
    return app
