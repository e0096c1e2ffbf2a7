"""One per API process: listens to the relay's announcements on redis pub/sub (workers/live.py)
and hands each to the local subscribers of its tenant that want it.

Each subscriber has a bounded queue. The hub never waits for a subscriber: when a queue is full
(its client does not read, or reads too slowly) the subscriber is dropped and its connection
closed, and the others carry on. Subscriptions are counted per tenant in this process, so one
tenant cannot take every slot."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.metrics import LIVE_DROPPED, LIVE_SUBSCRIPTIONS
from domain.errors import RateLimited
from domain.live import CHANNEL, Announcement, read_announcement

log = structlog.get_logger("tessera.live")

# How long the listener waits for a message before looking at its stop flag, and how long it
# waits before listening again after redis went away.
_POLL_SECONDS = 1.0
_RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class LiveLimits:
    per_connection: int = 20  # subscriptions one WebSocket may run at once
    per_tenant: int = 1000  # subscriptions one tenant may run at once in one API process
    queue_size: int = 100  # announcements a subscriber may have waiting before it is dropped
    ping_seconds: float = 20.0  # the server pings this often; no pong by the next ping closes
    auth_check_seconds: float = (
        60.0  # the credential is checked again this often (and at each event)
    )
    init_timeout_seconds: float = 10.0  # time to send connection_init after connecting
    job_poll_seconds: float = 1.0  # jobProgress reads its job this often
    job_poll_limit: int = (
        86_400  # reads of one jobProgress subscription (a day at 1 s), then it ends
    )


class Subscriber:
    def __init__(
        self,
        tenant_id: uuid.UUID,
        wants: Callable[[Announcement], bool],
        queue_size: int,
        on_overflow: Callable[[], None],
    ) -> None:
        self.tenant_id = tenant_id
        self.wants = wants
        self.dropped = False
        self._queue: asyncio.Queue[Announcement] = asyncio.Queue(maxsize=queue_size)
        self._on_overflow = on_overflow

    def offer(self, announcement: Announcement) -> None:
        if self.dropped or not self.wants(announcement):
            return
        try:
            self._queue.put_nowait(announcement)
        except asyncio.QueueFull:
            self.dropped = True
            LIVE_DROPPED.inc()
            self._on_overflow()

    async def next(self) -> Announcement:
        return await self._queue.get()


class LiveHub:
    def __init__(self, redis_url: str, limits: LiveLimits) -> None:
        self.redis_url = redis_url
        self.limits = limits
        self._subscribers: dict[uuid.UUID, set[Subscriber]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._stopping = False

    def join(
        self,
        tenant_id: uuid.UUID,
        wants: Callable[[Announcement], bool],
        on_overflow: Callable[[], None],
    ) -> Subscriber:
        subscribers = self._subscribers.setdefault(tenant_id, set())
        if len(subscribers) >= self.limits.per_tenant:
            raise RateLimited(
                "Your organisation has too many live subscriptions open", retry_after_seconds=60
            )
        subscriber = Subscriber(tenant_id, wants, self.limits.queue_size, on_overflow)
        subscribers.add(subscriber)
        LIVE_SUBSCRIPTIONS.inc()
        if self._listener is None:  # processes nobody subscribes to never listen
            self._listener = asyncio.create_task(self._listen(), name="live-hub")
        return subscriber

    def leave(self, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(subscriber.tenant_id)
        if subscribers is not None and subscriber in subscribers:
            subscribers.discard(subscriber)
            LIVE_SUBSCRIPTIONS.dec()
            if not subscribers:
                del self._subscribers[subscriber.tenant_id]

    def deliver(self, announcement: Announcement) -> None:
        for subscriber in list(self._subscribers.get(announcement.tenant_id, ())):
            subscriber.offer(announcement)

    async def close(self) -> None:
        self._stopping = True
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                pass

    async def _listen(self) -> None:
        """Listen until the process stops; after a redis failure, listen again (announcements
        sent meanwhile are lost: subscribers' clients refetch when it matters, see docs)."""
        failures = 0
        while not self._stopping:
            redis = Redis.from_url(
                self.redis_url, socket_connect_timeout=5, socket_timeout=_POLL_SECONDS * 5
            )
            pubsub = redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                failures = 0
                while not self._stopping:
                    message = await pubsub.get_message(timeout=_POLL_SECONDS)
                    if message is None or message.get("type") != "message":
                        continue
                    announcement = read_announcement(message["data"])
                    if announcement is not None:
                        self.deliver(announcement)
            except (RedisError, OSError) as exc:
                delay = _RECONNECT_SECONDS[min(failures, len(_RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning(
                    "live updates: redis unreachable, listening again soon",
                    error=str(exc),
                    retry_in=delay,
                )
                await asyncio.sleep(delay)
            finally:
                try:
                    await pubsub.aclose()
                    await redis.aclose()
                except (RedisError, OSError):
                    pass
