"""An ERP simulator on 127.0.0.1 speaking the REST ERP connector's API: customers and orders, each
change stamped with an increasing time, lists paged by cursor, bearer-token auth, idempotent
creation, and switches to fail requests (for restarts mid-sync)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class ErpSimulator:
    def __init__(self, token: str = "erp-secret-token", page_limit: int = 100) -> None:
        self.token, self.page_limit = token, page_limit
        self.tables: dict[str, dict[str, dict[str, Any]]] = {"customers": {}, "orders": {}}
        self.calls: list[tuple[str, str, dict[str, Any] | None]] = []
        self.fail_gets_after: int | None = None  # answer 500 to GETs after this many more
        self._keys: dict[str, str] = {}
        self._clock = datetime.now(timezone.utc) - timedelta(days=1)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _tick(self) -> str:
        self._clock += timedelta(milliseconds=1)
        return self._clock.isoformat()

    def put(self, table: str, item_id: str, **values: Any) -> dict[str, Any]:
        """Create or change a row as the ERP's own users would (stamped with a new time)."""
        with self._lock:
            row = self.tables[table].setdefault(item_id, {"id": item_id})
            row.update(values, updated_at=self._tick())
            return dict(row)

    def touch(self, table: str, item_id: str) -> None:
        """A new timestamp without a change (the ERP re-saved it)."""
        self.put(table, item_id)

    def _page(self, table: str, after: str, limit: int) -> dict[str, Any]:
        rows = sorted(self.tables[table].values(), key=lambda r: (r["updated_at"], r["id"]))
        newer = [r for r in rows if f"{r['updated_at']}|{r['id']}" > after] if after else rows
        page = newer[: min(limit, self.page_limit)]
        return {
            "items": page,
            "next": f"{page[-1]['updated_at']}|{page[-1]['id']}" if page else after or None,
            "more": len(newer) > len(page),
        }

    def _handler(self):
        erp = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> None:
                parts = urlsplit(self.path)
                body = json.loads(
                    self.rfile.read(int(self.headers.get("content-length") or 0)) or b"null"
                )
                erp.calls.append((self.command, parts.path, body))
                if self.headers.get("authorization") != f"Bearer {erp.token}":
                    return self._answer(401, {"error": "unauthorized"})
                segments = parts.path.strip("/").split("/")[1:]  # after /api
                table = segments[0] if segments else ""
                if table not in erp.tables:
                    return self._answer(404, {"error": "no such resource"})
                if self.command == "GET":
                    if erp.fail_gets_after is not None:
                        if erp.fail_gets_after <= 0:
                            return self._answer(500, {"error": "database on fire"})
                        erp.fail_gets_after -= 1
                    query = parse_qs(parts.query)
                    return self._answer(
                        200,
                        erp._page(
                            table, query.get("after", [""])[0], int(query.get("limit", ["100"])[0])
                        ),
                    )
                if self.command == "POST":
                    key = self.headers.get("idempotency-key")
                    with erp._lock:
                        existing = erp._keys.get(key) if key else None
                        new_id = existing or f"C{len(erp.tables[table]) + 1:04d}"
                        if key:
                            erp._keys[key] = new_id
                    return self._answer(
                        200,
                        erp.put(table, new_id, **body)
                        if not existing
                        else erp.tables[table][existing],
                    )
                if (
                    self.command == "PUT"
                    and len(segments) == 2
                    and segments[1] in erp.tables[table]
                ):
                    return self._answer(200, erp.put(table, segments[1], **body))
                return self._answer(404, {"error": "no such row"})

            do_GET = do_POST = do_PUT = _route

            def log_message(self, *args: object) -> None:
                pass

        return Handler
