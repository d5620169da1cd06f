"""argon2id hashing with parameters from Settings (production slow, tests cheap)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tipline.service.config import Settings


def hash_slots(cores: int | None) -> int:
    """How many argon2 hashes may run at once: one core is always left to the requests."""
    return max(1, (cores or 1) - 1)


HASH_NICE = 10  # how much lower the hashing threads' priority is than the requests'


def _lower_priority() -> None:
    """Run this thread (a Linux task of its own) `HASH_NICE` steps below the process."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + HASH_NICE)
    except (AttributeError, OSError):  # no per-thread priority on this platform
        pass


class GatedHasher(PasswordHasher):
    """argon2id on a few threads of lower priority: at most one hash per core but one runs
    at once, and the requests come first. A burst of logins and receipts would otherwise start
    dozens at once: each is memory-hard, and together they starve the thread holding SQLite's
    write lock of CPU, so every writer behind it times out. Even one hash per core takes every
    core: 20 staff logging in together (their tokens expire together) held both cores of a
    2-core server for seconds, and new reports queued behind them for over a second. Waiting
    here costs nothing (the total work is the same); the lower priority lets every other
    request, and the database, take the cores first while a flood of failed logins hashes."""

    _pool = ThreadPoolExecutor(max_workers=hash_slots(os.cpu_count()),
                               thread_name_prefix="argon2", initializer=_lower_priority)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        return self._pool.submit(super().hash, password, salt=salt).result()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        return self._pool.submit(super().verify, hash, password).result()


def hasher(settings: Settings) -> PasswordHasher:
    return GatedHasher(time_cost=settings.argon2_time_cost,
                       memory_cost=settings.argon2_memory_kib,
                       parallelism=settings.argon2_parallelism)


def verify(ph: PasswordHasher, stored: str, given: str) -> bool:
    try:
        return ph.verify(stored, given)
    except (VerificationError, InvalidHashError):
        return False
