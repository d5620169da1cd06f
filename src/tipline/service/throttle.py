"""Sliding-window counters: per client, per account and global limits on guesses and floods.

Kept in memory by default, which is enough for one server process. Several processes (or a
restart that should not wipe a guesser's record) need the windows in one place: with
`TIPLINE_REDIS_URL` set every process counts in Redis, one sorted set per key. Keys there are
keyed hashes, so a reporter's address or a user name never sits in Redis in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Protocol

from tipline.errors import TiplineError

if TYPE_CHECKING:
    from redis import Redis


class ThrottleStoreError(TiplineError):
    """The configured Redis for the throttles cannot be reached."""


def _seconds(wait: float) -> int:
    """A whole number of seconds for Retry-After, never less than one."""
    return max(1, math.ceil(wait))


class Window(Protocol):
    """`hit(key)` records an event; `blocked(key)` says whether the key's window is full."""

    limit: int
    window_s: float

    def blocked(self, key: str) -> bool: ...
    def hit(self, key: str) -> None: ...
    def retry_after(self, key: str) -> int:
        """Seconds until the window takes one more event (1 when it would now)."""
        ...


class Throttle:
    """One process's windows, in memory."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._events[key]
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked(self, key: str) -> bool:
        with self._lock:
            q = self._trim(key, time.monotonic())
            if not q:
                self._events.pop(key, None)
                return False
            return len(q) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())

    def retry_after(self, key: str) -> int:
        with self._lock:
            now = time.monotonic()
            q = self._trim(key, now)
            full = len(q) - self.limit  # this many more must expire before one fits
            return _seconds(q[full] + self.window_s - now) if full >= 0 else 1


class RedisThrottle:
    """The same window shared by every process: a sorted set of event times per key, trimmed
    on each read and expiring with its last event."""

    def __init__(self, client: Redis, name: str, limit: int, window_s: float,
                 secret: bytes) -> None:
        self.client = client
        self.name = name
        self.limit = limit
        self.window_s = window_s
        self._secret = secret

    def _key(self, key: str) -> str:
        digest = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{self.name}:{digest}"

    def _count(self, key: str, now: float) -> int:
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(self._key(key), "-inf", now - self.window_s)
        pipe.zcard(self._key(key))
        return int(pipe.execute()[1])

    def blocked(self, key: str) -> bool:
        return self._count(key, time.time()) >= self.limit

    def hit(self, key: str) -> None:
        now = time.time()
        pipe = self.client.pipeline()
        # a random suffix: two events in the same microsecond are still two events
        pipe.zadd(self._key(key), {f"{now:.6f}:{secrets.token_hex(4)}": now})
        pipe.expire(self._key(key), math.ceil(self.window_s))
        pipe.execute()

    def retry_after(self, key: str) -> int:
        now = time.time()
        full = self._count(key, now) - self.limit
        if full < 0:
            return 1
        event = self.client.zrange(self._key(key), full, full, withscores=True)
        return _seconds(float(event[0][1]) + self.window_s - now) if event else 1


class PairThrottle:
    """A per-client limit plus a global one: guessing from many addresses still hits the cap.

    Callers ask the two separately: the global window is full whenever an attacker spreads out,
    so it may refuse a wrong guess but never a reporter's correct receipt or a correct login."""

    def __init__(self, client: Window, overall: Window) -> None:
        self.client = client
        self.overall = overall

    def blocked(self, client: str) -> bool:
        return self.client_blocked(client) or self.overall_blocked()

    def client_blocked(self, client: str) -> bool:
        return self.client.blocked(client)

    def overall_blocked(self) -> bool:
        return self.overall.blocked("*")

    def hit(self, client: str) -> None:
        self.client.hit(client)
        self.overall.hit("*")

    def retry_after(self, client: str) -> int:
        """Seconds until both windows let one more through."""
        return max(self.client.retry_after(client), self.overall.retry_after("*"))


class Throttles:
    """Makes windows of one kind: in memory, or in Redis under `prefix` when given a URL
    (`secret`, shared by the processes, keys the hashes of client addresses and names)."""

    def __init__(self, redis_url: str | None = None, prefix: str = "tipline:throttle",
                 secret: bytes = b"") -> None:
        self.redis: Redis | None = None
        self.prefix = prefix
        self.secret = secret
        if redis_url:
            from redis import Redis

            self.redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)

    def window(self, name: str, limit_window: tuple[int, float]) -> Window:
        limit, window_s = limit_window
        if self.redis is None:
            return Throttle(limit, window_s)
        return RedisThrottle(self.redis, f"{self.prefix}:{name}", limit, window_s, self.secret)

    def pair(self, name: str, per_client: tuple[int, float],
             overall: tuple[int, float]) -> PairThrottle:
        return PairThrottle(self.window(f"{name}:client", per_client),
                            self.window(f"{name}:all", overall))

    def check(self) -> None:
        """Fail at start, not at the first wrong password, when Redis is configured but down."""
        if self.redis is None:
            return
        from redis.exceptions import RedisError

        try:
            self.redis.ping()
        except RedisError as exc:
            raise ThrottleStoreError(f"cannot reach Redis for the throttles "
                                     f"(TIPLINE_REDIS_URL): {exc}") from exc
