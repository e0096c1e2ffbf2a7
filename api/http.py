"""The /graphql endpoint: strawberry's ASGI view with our per-request context, refusing malformed
requests at the door (api/request_body.py)."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import graphiql, request_body
from api.context import Context
from api.cors import CorsPolicy
from api.errors import refusal
from api.persisted_queries import PersistedQueryNotFound, not_found_answer
from api.ratelimit import RateLimits
from api.subscriptions.connection import LiveConnectionHandler
from api.subscriptions.hub import LiveHub
from api.subscriptions.session import token_in
from domain.errors import Unauthenticated
from domain.identity.access_tokens import TokenConfig
from domain.identity.authentication import read_bearer


class GraphQLEndpoint(GraphQL):
    # Subscriptions over WebSocket speak graphql-transport-ws only (the legacy graphql-ws
    # protocol of subscriptions-transport-ws is refused with 4406).
    graphql_transport_ws_handler_class = LiveConnectionHandler

    def __init__(
        self,
        schema: Any,
        *,
        token_config: TokenConfig,
        rate_limits: RateLimits,
        cors: CorsPolicy,
        live_hub: LiveHub,
        compiled_reads: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=live_hub.limits.per_connection,
            **kwargs,
        )
        self.token_config = token_config
        self.rate_limits = rate_limits
        self.cors = cors
        self.live_hub = live_hub
        self.compiled_reads = compiled_reads

    async def on_ws_connect(self, context: Context) -> Any:  # type: ignore[override]
        # The credential comes in connection_init ({"authorization": "Bearer <token>"}), or else
        # in the handshake's Authorization header (clients that can set one).
        token = token_in(context.connection_params)
        if token is None and context.credential is not None:
            token = context.credential.token
        try:
            await context.live.open(self.token_config, token)
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from exc
        context.credential, context.credential_error = context.live.credential, None
        return UNSET

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page instead of strawberry's, whose assets come from a CDN (api/graphiql).
        html = graphiql.page(
            endpoint=request.url.path, root_path=request.scope.get("root_path", "")
        )
        return HTMLResponse(
            html, headers={"Content-Security-Policy": graphiql.CONTENT_SECURITY_POLICY}
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming a persisted query by its hash has no `query` either: it is an operation.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        # Browsers apply no CORS to WebSocket handshakes: the same origins as CORS, checked here.
        return self.cors.allows(origin)

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            return request_body.refusal(exc)
        except PersistedQueryNotFound:
            # 200, as Apollo's clients expect before they send the document itself.
            return JSONResponse(not_found_answer())

    def decode_json(self, data: str | bytes) -> object:
        return request_body.decode_json(data)

    async def execute_operation(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # Called with keywords only; checked here, before any operation of a batch runs.
        request_body.check_operations(kwargs["request_data"])
        await kwargs["request"].app.state.persisted_queries.resolve(kwargs["request_data"])
        return await super().execute_operation(**kwargs)

    def encode_json(self, data: object) -> bytes | str:
        # orjson is several times faster than json.dumps on a 50-row page; it refuses what JSON
        # cannot hold as json.dumps would write it (integers past 64 bits), and json.dumps then does.
        try:
            return orjson.dumps(data)
        except TypeError:
            return super().encode_json(data)

    def create_response(self, response_data, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        refused = refusal(response_data if isinstance(response_data, list) else [response_data])
        if refused is not None:  # RATE_LIMITED is 429, UNAVAILABLE 503, with Retry-After
            response.status_code = refused[0]
            response.headers["Retry-After"] = str(refused[1])
        return response

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        context = Context(
            request=request,
            response=response,
            request_id=getattr(request.state, "request_id", ""),
            token_config=self.token_config,
            redis=request.app.state.redis,
            rate_limits=self.rate_limits,
            compiled_reads=self.compiled_reads and request.scope["type"] == "http",
        )
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            try:
                if scheme.lower() != "bearer" or not token.strip():
                    raise Unauthenticated("Authorization header must be 'Bearer <token>'")
                # The tenant comes from the verified credential only, never from a client header.
                context.credential = read_bearer(self.token_config, token.strip())
            except Unauthenticated as exc:
                context.credential_error = exc
        return context
