"""Which other origins' pages may call the API (CORS) and open its WebSocket.

Starlette's CORSMiddleware answers the preflights and decorates the responses; this module turns
the configured origins (exact, or with `*` wildcards such as `https://*.example.com` or
`http://localhost:*`) into what it takes, and gives the WebSocket endpoint the same rule, since
browsers apply no CORS to WebSocket handshakes (api/http.py checks their Origin with `allows`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

# Dev servers of the common frontend tool chains: create-react-app/Next.js (3000), Vite (5173,
# 4173 preview), Vue CLI/webpack (8080), Angular (4200), Expo web (19006), Storybook (6006).
DEV_PORTS = (3000, 3001, 4173, 4200, 5173, 5174, 6006, 8080, 8081, 19006)
DEV_ORIGINS = tuple(
    f"http://{host}:{port}" for host in ("localhost", "127.0.0.1") for port in DEV_PORTS
)

ALLOWED_METHODS = ("GET", "POST", "OPTIONS")
# What browser GraphQL clients send: the token, JSON, our request id, Apollo's client headers.
ALLOWED_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
# What a page may read from a response: the request id to quote, when to retry after a 429/503.
EXPOSED_HEADERS = ("x-request-id", "retry-after")

# A `*` stands for one or more DNS labels (or a port's digits), never for a scheme or a path.
_WILDCARD = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_ORIGIN = re.compile(r"^(https?)://([A-Za-z0-9*.-]+|\[[0-9a-fA-F:]+\])(:(\d+|\*))?$")


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age_seconds: int = 600

    def __post_init__(self) -> None:
        for origin in self.origins:
            if origin == "*":
                if self.allow_credentials:
                    raise ValueError(
                        "CORS_ORIGINS='*' cannot be combined with CORS_ALLOW_CREDENTIALS"
                    )
            elif not _ORIGIN.match(origin):
                raise ValueError(
                    f"CORS origin {origin!r} is not scheme://host[:port] (with optional * wildcards)"
                )

    @property
    def enabled(self) -> bool:
        return bool(self.origins)

    @property
    def exact(self) -> tuple[str, ...]:
        return tuple(o.lower() for o in self.origins if "*" not in o or o == "*")

    @property
    def pattern(self) -> str | None:
        """One regular expression for the wildcard origins (matched whole), None when there are none."""
        wild = [o.lower() for o in self.origins if "*" in o and o != "*"]
        if not wild:
            return None
        return "|".join("(?:" + re.escape(o).replace(r"\*", _WILDCARD) + ")" for o in wild)

    def allows(self, origin: str) -> bool:
        origin = origin.lower()
        if "*" in self.exact or origin in self.exact:
            return True
        pattern = self.pattern
        return pattern is not None and re.fullmatch(pattern, origin) is not None

    def middleware(self) -> Middleware:
        return Middleware(
            CORSMiddleware,
            allow_origins=self.exact,
            allow_origin_regex=self.pattern,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            allow_credentials=self.allow_credentials,
            max_age=self.max_age_seconds,
        )
