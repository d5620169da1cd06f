"""Sliding-window counters in memory: per client and global limits on guesses and floods.

In-process state is enough for one server process; several processes each keep their own
windows (so the effective limit multiplies by the process count).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class Throttle:
    """`hit(key)` records an event; `blocked(key)` says whether the window is full."""

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
            q = self._trim(key, time.monotonic())
            return max(1, int(q[0] + self.window_s - time.monotonic()) + 1) if q else 1


class PairThrottle:
    """A per-client limit plus a global one: guessing from many addresses still hits the cap."""

    def __init__(self, per_client: tuple[int, float], overall: tuple[int, float]) -> None:
        self.client = Throttle(*per_client)
        self.overall = Throttle(*overall)

    def blocked(self, client: str) -> bool:
        return self.client.blocked(client) or self.overall.blocked("*")

    def hit(self, client: str) -> None:
        self.client.hit(client)
        self.overall.hit("*")
