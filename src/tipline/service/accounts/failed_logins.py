"""Failed staff logins in the audit trail: an account's first at once, the rest of a burst
counted and written as one entry.

Each failed login was one audited write, and a flood of guesses from many addresses queued
hundreds of writes behind the audit chain's one head row, slowing every legitimate write with
them (issue 14); once the throttling windows filled, further failures were not recorded at
all. Now an account's first failure after a quiet spell is written at once, with its address;
the failures after it are counted in memory and written as one `login.failed.repeated` entry
(how many, from which addresses, first and last): when the count is a minute old (at the next
failure, or by `flush_due`, which `tipline serve` calls every few seconds), before the
account's next successful login, and when the server stops. A crash loses at most the counted
tail of a burst, never its first entry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tipline.service import audit
from tipline.service.db import Database

QUIET_S = 900.0  # an account without a failure this long starts afresh: written at once
SUMMARY_S = 60.0  # a count is written once it is this old
MAX_ADDRESSES = 20  # addresses named in one entry; the others are counted together
MAX_ACCOUNTS = 10_000  # names followed one by one; guesses at more share one count
OTHER_NAMES = "(other names)"
log = logging.getLogger(__name__)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _Burst:
    """One account's failures since its last written entry."""

    last_seen: float  # monotonic time of the latest failure
    counted_since: float = 0.0  # monotonic time of the first counted failure
    count: int = 0
    first: str = ""
    last: str = ""
    addresses: Counter[str] = field(default_factory=Counter)
    other_addresses: int = 0

    def add(self, ip: str, now: float) -> None:
        if not self.count:
            self.counted_since, self.first = now, _now_iso()
        self.count += 1
        self.last, self.last_seen = _now_iso(), now
        if ip in self.addresses or len(self.addresses) < MAX_ADDRESSES:
            self.addresses[ip] += 1
        else:
            self.other_addresses += 1

    def take(self) -> dict[str, Any] | None:
        """The counted failures as an entry's detail, and the count emptied."""
        if not self.count:
            return None
        detail: dict[str, Any] = {"count": self.count, "first": self.first,
                                     "last": self.last, "addresses": dict(self.addresses)}
        if self.other_addresses:
            detail["other_addresses"] = self.other_addresses
        self.count, self.addresses, self.other_addresses = 0, Counter(), 0
        return detail


class FailedLogins:
    """Per-process record of failed logins by account (see the module's docstring)."""

    def __init__(self, quiet_s: float = QUIET_S, summary_s: float = SUMMARY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_s, self.summary_s, self._clock = quiet_s, summary_s, clock
        self._bursts: dict[str, _Burst] = {}
        self._lock = threading.Lock()

    def failed(self, db: Session, account: str, ip: str) -> None:
        """Record one failure in the request's transaction: written now when it opens a burst
        (or its count is due), otherwise only counted."""
        now = self._clock()
        with self._lock:
            if account not in self._bursts and len(self._bursts) >= MAX_ACCOUNTS:
                account = OTHER_NAMES
            burst = self._bursts.get(account)
            if burst is None or now - burst.last_seen > self.quiet_s:
                opens, count = True, burst.take() if burst else None  # a quiet burst's tail
                self._bursts[account] = _Burst(last_seen=now)
            else:
                burst.add(ip, now)
                opens = False
                count = burst.take() if now - burst.counted_since >= self.summary_s else None
        _write(db, account, count)
        if opens:
            audit.record(db, account or "?", "login.failed", ip=ip)

    def succeeded(self, db: Session, account: str) -> None:
        """Before a successful login is recorded: the failures counted against the account."""
        with self._lock:
            burst = self._bursts.pop(account, None)
        _write(db, account, burst.take() if burst else None)

    def flush_due(self, database: Database, *, everything: bool = False) -> int:
        """Write the counts that are due (all of them with `everything`, as at shutdown) in
        one transaction, forget quiet accounts; the number of entries written."""
        now = self._clock()
        due: list[tuple[str, dict[str, Any] | None]] = []
        with self._lock:
            for account, burst in list(self._bursts.items()):
                if everything or now - burst.counted_since >= self.summary_s:
                    due.append((account, burst.take()))
                if not burst.count and (everything or now - burst.last_seen > self.quiet_s):
                    del self._bursts[account]
        due = [(account, count) for account, count in due if count]
        if due:
            with database.session() as db:
                for account, count in due:
                    _write(db, account, count)
        return len(due)

    def run(self, database: Database, stop: threading.Event, every_s: float = 5.0) -> None:
        """Flush due counts until `stop` is set, then everything (a thread's target)."""
        while not stop.wait(every_s):
            try:
                self.flush_due(database)
            except Exception:  # a database hiccup must not end the flusher
                log.exception("could not write failed-login counts")
        self.flush_due(database, everything=True)


def _write(db: Session, account: str, count: dict[str, Any] | None) -> None:
    """One `login.failed.repeated` entry for an account's counted failures, if any."""
    if count:
        audit.record(db, account or "?", "login.failed.repeated", **count)
