"""The relay's second audience: after an event committed, announce it on redis pub/sub to every
API process, for their subscribers (api/subscriptions). Fire and forget: a process that is not
listening at that moment misses it, and clients refetch when they reconnect."""

from __future__ import annotations

from redis import Redis

from domain.events import Event
from domain.live import CHANNEL, announce


class Announcer:
    def __init__(self, redis_url: str) -> None:
        self.redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)

    def __call__(self, event: Event) -> None:
        # Raises when redis is away: the relay's transaction rolls back and the event is sent
        # again on a later pass, like its queue message.
        self.redis.publish(CHANNEL, announce(event))
