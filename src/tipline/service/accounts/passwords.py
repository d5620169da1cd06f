"""argon2id hashing with parameters from Settings (production slow, tests cheap)."""

from __future__ import annotations

import os
import threading
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tipline.service.config import Settings


class GatedHasher(PasswordHasher):
    """argon2id that runs at most one hash per core at a time. A burst of logins and receipts
    would otherwise start dozens at once: each is memory-hard, and together they starve the
    thread holding SQLite's write lock of CPU, so every writer behind it times out. Waiting
    here costs nothing (the total work is the same) and leaves the database its share."""

    _gate = threading.BoundedSemaphore(os.cpu_count() or 1)

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
