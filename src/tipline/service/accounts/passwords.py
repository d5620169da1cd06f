"""argon2id hashing with parameters from Settings (production slow, tests cheap)."""

from __future__ import annotations

import os
import threading
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tipline.service.config import Settings


def hash_slots(cores: int | None) -> int:
    """How many argon2 hashes may run at once: one core is always left to the requests."""
    return max(1, (cores or 1) - 1)


class GatedHasher(PasswordHasher):
    """argon2id that runs at most one hash per core but one at a time. A burst of logins and
    receipts would otherwise start dozens at once: each is memory-hard, and together they
    starve the thread holding SQLite's write lock of CPU, so every writer behind it times out.
    Even one hash per core takes every core: 20 staff logging in together (their tokens expire
    together) held both cores of a 2-core server for seconds, and new reports queued behind
    them for over a second. Waiting here costs nothing (the total work is the same) and
    leaves the database and the other requests a core."""

    _gate = threading.BoundedSemaphore(hash_slots(os.cpu_count()))

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._gate:
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._gate:
            return super().verify(hash, password)


def hasher(settings: Settings) -> PasswordHasher:
    return GatedHasher(time_cost=settings.argon2_time_cost,
                       memory_cost=settings.argon2_memory_kib,
                       parallelism=settings.argon2_parallelism)


def verify(ph: PasswordHasher, stored: str, given: str) -> bool:
    try:
        return ph.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False
