"""Engine and sessions from a URL: SQLite out of the box, PostgreSQL in production."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_S = 30
# SQLite connections kept and allowed beyond them: as many as the two apps' worker threads
# (40 each) may use at once, so a burst waits for the database, never for a pool slot
# (SQLAlchemy's default, 5 + 10, answered 500 after 30 s under load). A PostgreSQL server
# limits its clients (100 by default, shared by every process), so there the pool stays
# smaller. At 10 + 10, requests under the load tool's attack seemed to queue for a
# connection: at 20 + 20 their p99s fell by a third to a half (two runs; README, Load test).
POOL = (10, 70)
PG_POOL = (20, 20)
READ_ONLY = "tipline_read_only"
log = logging.getLogger(__name__)


class WriteGate:
    """The writers to one SQLite file, one at a time, handed over at once.

    SQLite lets one transaction write; the others wait in its busy handler, which sleeps and
    polls in growing steps (up to 100 ms a step) and lets whichever poller comes first in:
    under load a writer's wait is mostly those sleeps, and an unlucky one waits seconds while
    others overtake it. Writers queue here instead, held from BEGIN IMMEDIATE to COMMIT or
    ROLLBACK: this process's threads on a lock, so the next one starts the moment the last
    ends, and the processes sharing the file (the staff app's, the analysis worker's) on an
    advisory lock of a file beside it (`flock`, which a killed process lets go of), polled
    every millisecond. A thread that already holds the gate and opens a second writing
    connection goes straight to SQLite (as before the gate: it would otherwise wait for
    itself)."""

    TIMEOUT_S = float(BUSY_TIMEOUT_S)  # then go on to SQLite's own wait, as without the gate

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.Lock()
        self._holder: Any = None  # the DB-API connection whose transaction holds the gate
        self._thread: int | None = None
        self._path = path  # the lock file shared with other processes; None: this one only
        self._fd: int | None = None  # opened once, kept: closing it would drop the lock

    def enter(self, dbapi_conn: Any) -> None:
        if self._thread == threading.get_ident() or self._holder is dbapi_conn:
            return
        deadline = time.monotonic() + self.TIMEOUT_S
        if not self._lock.acquire(timeout=self.TIMEOUT_S):
            log.warning("SQLite write gate not free after %.0f s; waiting on SQLite's lock",
                        self.TIMEOUT_S)
            return
        if not self._lock_file(deadline):
            self._lock.release()
            log.warning("SQLite write gate held by another process for %.0f s; waiting on "
                        "SQLite's lock", self.TIMEOUT_S)
            return
        self._holder, self._thread = dbapi_conn, threading.get_ident()

    def _lock_file(self, deadline: float) -> bool:
        if self._path is None:
            return True
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.001)

    def leave(self, dbapi_conn: Any) -> None:
        """After this connection's COMMIT or ROLLBACK (or its close): the next writer goes."""
        if dbapi_conn is not None and self._holder is dbapi_conn:
            self._holder = self._thread = None
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._lock.release()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def write_gate(path: str) -> WriteGate:
    """One gate per database file in this process, shared by every engine opened on it; its
    lock file (`<file>-gate`) is shared with every process opening the same file."""
    if not path or path == ":memory:":
        return WriteGate()
    key = os.path.realpath(path)
    with _gates_lock:
        return _gates.setdefault(key, WriteGate(f"{key}-gate"))


def make_engine(url: str) -> Engine:
    """SQLite gets foreign keys, WAL, a busy timeout and write-locking transactions; its folder
    is created if missing, and the file (every report in clear) is created readable by its
    owner only, as are the WAL and shared-memory files SQLite makes with the same mode.

    Statement parameters are kept out of error messages and logs (`hide_parameters`): a failed
    INSERT must never write a report's text or a reporter's identity into the server log."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # made here, private, before SQLite makes it 0644. Never
                # open an existing one: closing any descriptor of a file drops every POSIX
                # lock this process holds on it, SQLite's included.
                with suppress(FileExistsError):
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        engine = create_engine(
            url, hide_parameters=True, pool_size=POOL[0], max_overflow=POOL[1],
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.close()

        gate = write_gate(parsed.database or "")

        def raw(conn: Any) -> Any:
            return getattr(conn, "dbapi_connection", conn)

        def releasing(plain: Callable[[Any], None]) -> Callable[[Any], None]:
            def run(conn: Any) -> None:
                try:
                    plain(conn)
                finally:
                    gate.leave(raw(conn))
            return run

        # this engine's own dialect instance: the gate is released when the transaction ends
        dialect = engine.dialect
        for name in ("do_commit", "do_rollback", "do_close"):
            setattr(dialect, name, releasing(getattr(dialect, name)))

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Take the write lock up front. Nearly every request writes (the audit log), and a
            # deferred transaction that read first fails at once with "database is locked"
            # when another writer got in between; IMMEDIATE waits its turn instead. A
            # read-only session (`Database.read`) begins deferred: in WAL mode it neither
            # waits for the writer nor holds it up.
            read_only = conn.get_execution_options().get(READ_ONLY)
            if read_only:
                conn.exec_driver_sql("BEGIN")
                return
            dbapi_conn = raw(conn.connection)
            gate.enter(dbapi_conn)  # this process's writers queue here, not in SQLite's sleeps
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                gate.leave(dbapi_conn)
                raise

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, pool_size=PG_POOL[0],
                         max_overflow=PG_POOL[1])


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """One engine and its session factory; `session()` commits on success, rolls back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                    expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work. Code inside may `commit()` early to end a transaction before a
        slow step (SQLite has one writer); what follows runs in a new one, committed here."""
        with self.sessions() as db:
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read that writes nothing: on SQLite it takes no write lock, so the checks
        a flood of guesses makes (receipt candidates, password hashes) never queue behind,
        or hold up, the requests that write."""
        with self.readers() as db:
            try:
                yield db
            finally:
                db.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
