"""A graphql-transport-ws client over a real WebSocket (the `websockets` package), as browsers'
graphql-ws clients speak it: connection_init with the token, then subscribe/next/complete. A
reader task answers the server's pings (unless told not to) and files messages by operation id."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import socket
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 30.0  # longest wait for any one message: generous, the machine is shared


class LiveClient:
    def __init__(self, ws: ClientConnection, *, answer_pings: bool) -> None:
        self.ws = ws
        self.answer_pings = answer_pings
        self.pings = 0
        self._ids = itertools.count(1)
        self._messages: dict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.closed: asyncio.Future[tuple[int | None, str]] = (
            asyncio.get_running_loop().create_future()
        )
        self._reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        await self.ws.send(json.dumps({"type": "pong"}))
                elif "id" in message:
                    self._messages[message["id"]].put_nowait(message)
        except ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result((self.ws.close_code, self.ws.close_reason or ""))

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        await self.ws.send(
            json.dumps(
                {
                    "id": op_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        return op_id

    async def complete(self, op_id: str) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "complete"}))

    async def message(self, op_id: str, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """The operation's next message (next, error or complete)."""
        getter = asyncio.ensure_future(self._messages[op_id].get())
        done, _ = await asyncio.wait(
            {getter, self.closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        if self.closed.done():
            raise AssertionError(
                f"connection closed while waiting for {op_id}: {self.closed.result()}"
            )
        raise AssertionError(f"no message for operation {op_id} within {timeout}s")

    async def next(self, op_id: str) -> dict[str, Any]:
        """The data of the operation's next result (fails on anything else)."""
        message = await self.message(op_id)
        assert message["type"] == "next" and not message["payload"].get("errors"), message
        return message["payload"]["data"]

    async def close_code(self, timeout: float = WAIT_SECONDS) -> tuple[int | None, str]:
        """(code, reason) of the close the server sends."""
        return await asyncio.wait_for(asyncio.shield(self.closed), timeout)

    async def stop(self) -> None:
        with suppress(Exception):
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


@asynccontextmanager
async def live(
    base_url: str,
    token: str | None,
    *,
    payload: dict[str, Any] | None = None,
    answer_pings: bool = True,
    origin: str | None = None,
    receive_buffer: int | None = None,
    expect_ack: bool = True,
) -> AsyncIterator[LiveClient]:
    """A connection that sent connection_init with `token` (or `payload`) and, unless told
    otherwise, got connection_ack. `receive_buffer` shrinks the socket's receive buffer and the
    client's message queue: with its reader stopped, such a client is a slow consumer."""
    init = (
        payload if payload is not None else ({"authorization": f"Bearer {token}"} if token else {})
    )
    sock = None
    if receive_buffer is not None:
        host, port = base_url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect((host, int(port)))
    kwargs: dict[str, Any] = {"max_queue": 1} if receive_buffer is not None else {}
    async with connect(
        ws_url(base_url),
        subprotocols=[PROTOCOL],
        open_timeout=WAIT_SECONDS,
        origin=origin,
        sock=sock,
        **kwargs,
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        client = LiveClient(ws, answer_pings=answer_pings)
        if expect_ack:
            while True:  # a ping may come first
                message = json.loads(await asyncio.wait_for(ws.recv(), WAIT_SECONDS))
                if message["type"] != "ping":
                    break
            assert message["type"] == "connection_ack", message
        client.start()
        try:
            yield client
        finally:
            await client.stop()


def _masked_text_frame(payload: bytes) -> bytes:
    """A client's text frame (RFC 6455 5.2: clients mask what they send)."""
    mask = os.urandom(4)
    length = len(payload)
    header = bytes([0x81]) + (
        bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + length.to_bytes(2, "big")
    )
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Stalled:
    """A subscriber over a plain socket with a 4 kB receive buffer, which stops reading once it
    has subscribed: a slow consumer (websockets' own client keeps reading into memory)."""

    def __init__(
        self, base_url: str, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(WAIT_SECONDS)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {PROTOCOL}\r\n\r\n".encode()
        )
        self._expect(b"101 Switching Protocols")
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        self.sock.sendall(_masked_text_frame(json.dumps(init).encode()))
        self._expect(b"connection_ack")
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": query, "variables": variables or {}},
        }
        self.sock.sendall(_masked_text_frame(json.dumps(subscribe).encode()))

    def _expect(self, marker: bytes) -> None:
        seen = b""
        for _ in range(1000):  # bounded: the answer comes in a few reads
            chunk = self.sock.recv(4096)
            assert chunk, f"connection ended before {marker!r}: {seen[-200:]!r}"
            seen += chunk
            if marker in seen:
                return
        raise AssertionError(f"no {marker!r}")

    def read_to_the_end(self) -> bytes:
        """Read what the server sent until it ends the connection; the last bytes read."""
        last = b""
        for _ in range(1_000_000):  # bounded; the server stops sending once it has closed
            try:
                chunk = self.sock.recv(1 << 16)
            except (ConnectionError, TimeoutError):
                return last
            if not chunk:
                return last
            last = (last + chunk)[-256:]
        raise AssertionError("the connection never ended")

    def close(self) -> None:
        self.sock.close()


async def open_subscriptions(http: httpx.AsyncClient, expected: int) -> None:
    """Wait until the process counts `expected` open subscriptions (its /metrics): subscribing is
    asynchronous, and the protocol has no acknowledgement for it. Bounded in polls."""
    for _ in range(300):
        for line in (await http.get("/metrics")).text.splitlines():
            if (
                line.startswith("tessera_live_subscriptions ")
                and float(line.split()[-1]) == expected
            ):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the process never counted {expected} open subscriptions")
