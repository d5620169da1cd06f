"""Engine and sessions from a URL: SQLite out of the box, PostgreSQL in production."""

from __future__ import annotations

import os
from collections.abc import Iterator
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
# limits its clients (100 by default, shared by every process), so there the pool stays small.
POOL = (10, 70)
PG_POOL = (10, 10)
READ_ONLY = "tipline_read_only"


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

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Take the write lock up front. Nearly every request writes (the audit log), and a
            # deferred transaction that read first fails at once with "database is locked"
            # when another writer got in between; IMMEDIATE waits its turn instead. A
            # read-only session (`Database.read`) begins deferred: in WAL mode it neither
            # waits for the writer nor holds it up.
            read_only = conn.get_execution_options().get(READ_ONLY)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

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
