"""A real HTTP server on 127.0.0.1 that records what it receives and answers as told: the other
end of outgoing calls and webhooks in tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still "thinking" (delay_seconds) must not hold up close()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """`answers` are (status, headers) used in turn, the last one repeating."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=lambda: [(200, {})])
    received: list[Received] = field(default_factory=list)
    delay_seconds: float = 0  # how long to think before answering (for timeouts)
    reply: bytes = b"ok"  # the body of every answer

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                receiver.received.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(length),
                    )
                )
                time.sleep(receiver.delay_seconds)
                status, headers = receiver.answers[
                    min(len(receiver.received), len(receiver.answers)) - 1
                ]
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(receiver.reply)))
                    self.end_headers()
                    self.wfile.write(receiver.reply)
                except OSError:
                    pass  # the caller hung up (timed out, or was killed): nothing to tell it

            do_POST = do_PUT = do_PATCH = do_GET = _handle

            def log_message(self, *args: object) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
