"""The GraphiQL page: HTML that loads only assets this package ships (static/, see README.md)."""

from __future__ import annotations

from html import escape
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/graphiql/static"

_SCRIPTS = (
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphql-ws.min.js",
    "graphiql.min.js",
    "tessera-graphiql.js",
)

# Everything comes from this server: a browser refuses any other source, so a forgotten CDN
# reference fails loudly in development instead of silently needing internet access.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'"
)


def page(*, endpoint: str, root_path: str = "") -> str:
    """The page for the GraphQL endpoint at `endpoint`; assets under `root_path` + STATIC_PATH."""
    static = escape(root_path + STATIC_PATH)
    scripts = "\n".join(f'<script src="{static}/{name}"></script>' for name in _SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera GraphiQL</title>
<link rel="stylesheet" href="{static}/graphiql.min.css">
<link rel="stylesheet" href="{static}/tessera-graphiql.css">
</head>
<body data-endpoint="{escape(root_path + endpoint)}">
<form id="tessera-token" autocomplete="off">
<label for="tessera-token-input">Access or API token</label>
<input id="tessera-token-input" type="password" spellcheck="false"
 placeholder="paste the accessToken from login, or an API token">
<button type="button" id="tessera-token-forget">Forget</button>
<span id="tessera-token-state"></span>
</form>
<div id="graphiql">Loading GraphiQL…</div>
{scripts}
</body>
</html>
"""
