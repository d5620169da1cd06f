"""Concurrent writers keep one unbroken audit chain on both databases."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tipline.case import case_from_mapping
from tipline.service import audit
from tipline.service.casefiles import cases
from tipline.service.models import AuditEntry
from tipline.service.runtime import Service

CASE = {"id": "db-1", "received_at": "2025-01-01T10:00:00+00:00",
        "people": [{"id": "P1", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "text": "Cash."}]}


def test_concurrent_reads_and_appends_chain_cleanly(service: Service) -> None:
    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(8):
                with service.database.session() as db:
                    rec = cases.find(db, "db-1")  # read first, then write: the risky order
                    assert rec is not None
                    audit.record(db, f"user{n}", "case.view", rec.case_id, i=i)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with service.database.session() as db:
        assert db.scalar(select(func.count()).select_from(AuditEntry)) == 48
        assert audit.verify(db).ok


def test_sqlite_file_and_its_wal_are_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 14 item 9: the database (every report in clear) was created 0644."""
    import os
    import stat

    from sqlalchemy import text

    from tipline.service.db import make_engine

    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'tipline.sqlite3'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('report')"))
        files = sorted((tmp_path / "new").iterdir())
        assert [f.name for f in files] == ["tipline.sqlite3", "tipline.sqlite3-gate",
                                           "tipline.sqlite3-shm", "tipline.sqlite3-wal"]
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
        engine.dispose()
    finally:
        os.umask(old)


def test_sqlite_writers_in_one_process_queue_at_the_gate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: this process's SQLite writers wait for each other on the write gate, not in
    SQLite's busy handler (which sleeps in steps of up to 100 ms and lets any poller overtake).
    With SQLite's own wait at zero a second writer would fail at once; behind the gate it
    starts when the first commits. A writer that fails or rolls back frees the gate too."""
    import time

    from sqlalchemy import text

    from tipline.service import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_S", 0)  # SQLite gives up at once
    database = dbmod.Database(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    with database.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    first_in, errors = threading.Event(), []

    def first() -> None:
        with database.session() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            first_in.set()
            time.sleep(0.3)  # holding SQLite's write lock

    def second() -> None:
        first_in.wait()
        try:
            with database.session() as s:
                s.execute(text("INSERT INTO t VALUES (2)"))
        except Exception as exc:  # "database is locked" without the gate
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert errors == []
    try:
        with database.session() as s:
            s.execute(text("INSERT INTO t VALUES (3)"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert not dbmod.write_gate(str(tmp_path / "gate.sqlite3"))._lock.locked()
    with database.read() as s:
        assert sorted(s.scalars(text("SELECT x FROM t"))) == [1, 2]
    database.dispose()


WRITER = """
import sys, time
from sqlalchemy import text
from tipline.service import db as dbmod
dbmod.BUSY_TIMEOUT_S = 0  # SQLite gives up at once: only the gate can make this one wait
database = dbmod.Database(sys.argv[1])
print("ready", flush=True)
try:
    with database.session() as s:
        s.execute(text("INSERT INTO t VALUES (2)"))
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
except Exception as exc:
    print(f"failed: {exc}", flush=True)
    raise SystemExit(1)
"""


def test_sqlite_writers_in_other_processes_queue_at_the_gate_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The staff app and the analysis worker write to the same file from processes of their
    own: they queue on the gate's lock file, not in SQLite's sleeps. A writer in another
    process, with SQLite's own wait at zero, waits for this one's transaction and then writes;
    a process killed -9 while holding the gate lets go of it."""
    import subprocess
    import sys
    import time

    from sqlalchemy import text

    from tipline.service import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_S", 0)
    url = f"sqlite:///{tmp_path / 'gate.sqlite3'}"
    database = dbmod.Database(url)
    with database.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))

    def writer(hold_s: float) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", WRITER, url, str(hold_s)],
                                stdout=subprocess.PIPE, text=True)

    with database.session() as s:  # holding the gate while the other process tries
        s.execute(text("INSERT INTO t VALUES (1)"))
        other = writer(0)
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        assert other.poll() is None, other.stdout.read()  # waiting, not failed
    assert other.wait(timeout=30) == 0, other.stdout.read()

    killed = writer(60)
    assert killed.stdout is not None
    assert killed.stdout.readline().strip() == "ready"
    assert killed.stdout.readline().strip() == "holding"
    killed.kill()
    killed.wait(timeout=10)
    with database.session() as s:
        s.execute(text("INSERT INTO t VALUES (3)"))
    with database.read() as s:
        assert sorted(s.scalars(text("SELECT x FROM t"))) == [1, 2, 3]
    database.dispose()
