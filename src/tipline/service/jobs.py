"""Re-analysis jobs. Enqueued in the transaction that changes a case; run by a worker thread.
Each job also re-links the case against the archive (caselinks.refresh).

On PostgreSQL several workers may share the queue (`FOR UPDATE SKIP LOCKED`); on SQLite the
database lock serialises them. A running job holds a lease (`claimed_at`) that its worker
renews while it analyses; a job whose lease ran out belonged to a worker that was killed, and
any worker puts it back in the queue (`requeue_interrupted`); a live worker's job, renewed,
stays its own.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from tipline.errors import TiplineError
from tipline.service.children import Supervised, parent_gone
from tipline.service.models import AnalysisResult, CaseRecord, Job, utcnow

if TYPE_CHECKING:
    from tipline.analysis import Analysis
    from tipline.case import Case
    from tipline.service.db import Database

Analyzer = Callable[["Case"], "Analysis"]

log = logging.getLogger(__name__)
_wake = threading.Event()
# a running job not renewed for this long belonged to a killed worker (renewed every quarter)
LEASE_S = float(os.environ.get("TIPLINE_JOB_LEASE_S", "120"))
_held: set[int] = set()  # the jobs this process is analysing now, handed back if it stops
_held_lock = threading.Lock()


def enqueue(db: Session, case_pk: int) -> None:
    db.add(Job(kind="analyze", case_pk=case_pk, status="queued"))
    _wake.set()


class AnalysisFailed(TiplineError):
    """The analyzer raised; the case is stored, only its findings are unavailable."""


def real_analyzer(case: Case) -> Analysis:
    from tipline.analysis import analyze

    return analyze(case)


def engine_of(analyzer: Analyzer) -> str | None:
    """The engine version to record with a result: known only for the real analyzer."""
    if analyzer is not real_analyzer:
        return None
    from tipline.service.engine_version import engine_version

    return engine_version()


def analyse(case: Case, analyzer: Analyzer) -> dict[str, Any]:
    """The one way a stored case is analysed (request, worker and `tipline batch analyze`):
    the analysis contract as JSON, or AnalysisFailed naming what the analyzer raised."""
    try:
        return analyzer(case).to_dict()
    except Exception as exc:  # the analyzer is another team's code: contain its failures
        log.exception("analysis of %s failed", case.id)
        raise AnalysisFailed(f"analysis failed: {type(exc).__name__}: {exc}") from exc


def store_analysis(db: Session, case_pk: int, case_version: int, result: dict[str, Any],
                   engine: str | None) -> None:
    db.add(AnalysisResult(case_pk=case_pk, case_version=case_version, result=result,
                          engine=engine))
    db.flush()


def analyse_now(db: Session, rec: CaseRecord, analyzer: Analyzer) -> dict[str, Any]:
    """Analyse the case as stored now and keep the result for this version. The request's
    transaction is committed first, so the analyzer's seconds hold no database lock; the
    result is stored in the next one."""
    from tipline.service.casefiles.cases import to_case

    case = to_case(rec)
    db.commit()
    result = analyse(case, analyzer)
    store_analysis(db, rec.id, rec.version, result, engine_of(analyzer))
    return result


def current_analysis(db: Session, rec: CaseRecord, analyzer: Analyzer) -> dict[str, Any]:
    """The analysis of the current version: stored if the worker got there, else computed."""
    stored = db.scalar(select(AnalysisResult).where(
        AnalysisResult.case_pk == rec.id, AnalysisResult.case_version == rec.version,
    ).order_by(AnalysisResult.id.desc()).limit(1))
    return stored.result if stored is not None else analyse_now(db, rec, analyzer)


def run_one(database: Database, analyzer: Analyzer) -> bool:
    """Claim one queued job (with any duplicates for the same case), analyse outside any
    transaction so SQLite's write lock is not held while the analyzer thinks, then store the
    result for the version that was analysed. False when the queue is empty.

    An empty queue is seen by a read, which takes no write lock (an idle worker polls, and on
    SQLite every poll that wrote would queue the requests behind it); the claim's write
    transaction only marks the jobs running, and the case is read after it ends."""
    from tipline.service.casefiles.cases import to_case

    with database.read() as db:
        if db.scalar(select(Job.id).where(Job.status == "queued").limit(1)) is None:
            return False
    with database.session() as db:
        query = select(Job).where(Job.status == "queued").order_by(Job.id).limit(1)
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = db.scalar(query)
        if job is None:  # another worker took it in between
            return False
        claimed = list(db.scalars(select(Job).where(Job.status == "queued",
                                                    Job.case_pk == job.case_pk)))
        for j in claimed:
            j.status, j.claimed_at = "running", utcnow()
        ids, case_pk = [j.id for j in claimed], job.case_pk
    status, error, result = "done", None, None
    with leased(database, ids):
        with database.read() as db:
            rec = db.get(CaseRecord, case_pk)
            snapshot = (to_case(rec), rec.version, rec.id) if rec is not None else None
        if snapshot is not None:
            try:
                result = analyse(snapshot[0], analyzer)
            except AnalysisFailed as exc:  # recorded on the job; the worker carries on
                status, error = "failed", str(exc)
    with database.session() as db:
        if result is not None and snapshot is not None:
            store_once(db, snapshot[2], snapshot[1], result, engine_of(analyzer))
        for j in db.scalars(select(Job).where(Job.id.in_(ids))):
            j.status, j.error, j.finished_at = status, error, utcnow()
    if snapshot is not None:  # the case changed: its links too (the page reads them)
        from tipline.service.casefiles.caselinks import refresh_quietly

        refresh_quietly(database, snapshot[2])
    return True


def store_once(db: Session, case_pk: int, case_version: int, result: dict[str, Any],
               engine: str | None) -> bool:
    """Store a result unless this version already has one by the same engine, or the case
    was erased; True when stored. Two runs can analyse one version: a worker whose lease ran
    out while it was stalled (its job was queued again) finishes late, and `tipline batch
    analyze` may run beside the workers. The case row is locked first (PostgreSQL; SQLite's
    write lock already serialises), so two finishing together cannot both find nothing and
    both write."""
    locked = db.scalar(select(CaseRecord.id).where(CaseRecord.id == case_pk).with_for_update())
    if locked is None:
        return False
    same_engine = (AnalysisResult.engine.is_(None) if engine is None
                   else AnalysisResult.engine == engine)
    if db.scalar(select(AnalysisResult.id).where(
            AnalysisResult.case_pk == case_pk, AnalysisResult.case_version == case_version,
            same_engine).limit(1)) is not None:
        return False
    store_analysis(db, case_pk, case_version, result, engine)
    return True


@contextmanager
def leased(database: Database, ids: Sequence[int], lease_s: float | None = None
           ) -> Iterator[None]:
    """Renew the jobs' lease every quarter lease while the block runs (a thread of its own:
    the analyzer does not yield). Stopped by Ctrl-C or SIGTERM in the block, the jobs go back
    to the queue at once; a process that stops while another thread is in the block hands
    them back with `hand_back`."""
    lease_s = LEASE_S if lease_s is None else lease_s
    done = threading.Event()
    with _held_lock:
        _held.update(ids)

    def renew() -> None:
        while not done.wait(lease_s / 4):
            try:
                with database.session() as db:
                    db.execute(update(Job).where(Job.id.in_(ids), Job.status == "running")
                               .values(claimed_at=utcnow()))
            except Exception:  # the database is briefly away: the next renewal may reach it
                log.exception("renewing the lease of jobs %s failed", list(ids))

    thread = threading.Thread(target=renew, name="tipline-job-lease", daemon=True)
    thread.start()
    try:
        yield
    except (KeyboardInterrupt, SystemExit):
        hand_back(database)
        raise
    finally:
        done.set()
        thread.join()
        with _held_lock:
            _held.difference_update(ids)


def hand_back(database: Database) -> int:
    """Put the jobs this process is analysing back in the queue (it is stopping); how many."""
    with _held_lock:
        ids = sorted(_held)
    if not ids:
        return 0
    with database.session() as db:
        db.execute(update(Job).where(Job.id.in_(ids), Job.status == "running")
                   .values(status="queued", claimed_at=None))
    log.warning("stopping mid-analysis: job(s) %s queued again", ids)
    return len(ids)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the worker as Ctrl-C does, handing its jobs back


def requeue_interrupted(database: Database, lease_s: float | None = None) -> int:
    """Running jobs whose lease ran out (their worker was killed) go back to the queue; the
    number put back. Looked for with a read, so an idle worker's check takes no write lock."""
    cutoff = utcnow() - timedelta(seconds=LEASE_S if lease_s is None else lease_s)
    stale = select(Job.id).where(Job.status == "running",
                                 or_(Job.claimed_at.is_(None), Job.claimed_at < cutoff))
    with database.read() as db:
        if db.scalar(stale.limit(1)) is None:
            return 0
    with database.session() as db:
        ids = list(db.scalars(stale))
        db.execute(update(Job).where(Job.id.in_(ids)).values(status="queued", claimed_at=None))
    if ids:
        log.warning("queued again %d job(s) whose worker stopped mid-analysis", len(ids))
    return len(ids)


def run_pending(database: Database, analyzer: Analyzer) -> int:
    """Run every queued job now (tests and the CLI call this)."""
    n = 0
    while run_one(database, analyzer):
        n += 1
    return n


class Worker(threading.Thread):
    """In-process worker: wakes on enqueue or every few seconds, runs what is queued."""

    def __init__(self, database: Database, analyzer: Analyzer, poll_s: float = 5.0) -> None:
        super().__init__(name="tipline-analysis", daemon=True)
        self.database = database
        self.analyzer = analyzer
        self.poll_s = poll_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                requeue_interrupted(self.database)
                run_pending(self.database, self.analyzer)
            except Exception:  # database briefly unavailable: try again next round
                log.exception("analysis worker round failed")
            _wake.wait(self.poll_s)
            _wake.clear()

    def stop(self) -> None:
        """Stop after this round; a job it is analysing goes back to the queue now, since the
        process is about to exit (a daemon thread ends with it)."""
        self.stopping.set()
        _wake.set()
        hand_back(self.database)


class WorkerProcess(Supervised):
    """`tipline serve`'s analyses in a child process (the default), kept running by
    `children.Supervised`.

    The analyzer in the server's own process competes with the requests for the interpreter
    lock and, at the same priority, for the cores (its embedding model computes on two threads
    of its own): every request, and every SQLite write lock a request holds, then takes longer.
    The child runs `python -m tipline.service.jobs` at a lower priority (`nice`), so requests
    come first and the analyses use what they leave. The database URL goes through the
    environment, never the command line (a PostgreSQL password would show in `ps`)."""

    def __init__(self, db_url: str, nice: int = 10, poll_s: float = 1.0,
                 restart_s: tuple[float, float] = (1.0, 30.0),
                 command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "tipline.service.jobs",
                                   "--nice", str(nice), "--poll", str(poll_s),
                                   "--parent", str(os.getpid())]
        self.env = {**os.environ, "TIPLINE_DATABASE_URL": db_url}
        super().__init__("analysis worker", self._launch, restart_s)

    def _launch(self) -> subprocess.Popen[bytes]:
        # its own session: a Ctrl-C meant for the server reaches it through `stop`
        return subprocess.Popen(self.command, env=self.env, stdin=subprocess.DEVNULL,
                                start_new_session=True)


AUTOGROUP = Path("/proc/self/autogroup")  # "/autogroup-85 nice 0"


def autogroup_nice() -> int | None:
    """This process's autogroup nice, or None where the kernel groups no sessions (no file,
    or an empty one: autogroup compiled in but switched off, as on some CI machines)."""
    try:
        text = AUTOGROUP.read_text()
    except OSError:
        return None
    match = re.search(r"nice (-?\d+)", text)
    return int(match.group(1)) if match else None


def lower_priority(steps: int) -> None:
    """Nice this process by `steps`, and its autogroup too when it leads its own session.

    Where the kernel groups processes by session (autogroup, on by default in many Linux
    kernels), the scheduler first shares the CPU fairly between sessions and only then uses
    nice inside each: the analysis child, started in a session of its own, took as large a
    share of the cores as the server at nice 10. Only a session leader's autogroup is its own;
    a worker started from a shell leaves the shell's alone."""
    os.nice(steps)
    if os.getsid(0) != os.getpid() or (current := autogroup_nice()) is None:
        return
    try:
        AUTOGROUP.write_text(str(min(19, current + steps)))
    except OSError as exc:
        log.warning("could not lower the analysis process's autogroup priority: %s", exc)


def main(argv: list[str] | None = None) -> int:
    """`python -m tipline.service.jobs [--db URL]`: a stand-alone worker process. On
    PostgreSQL run as many as there are cores to spare; SKIP LOCKED keeps them apart."""
    import argparse

    from tipline.service import migrate
    from tipline.service.config import default_db_url
    from tipline.service.db import Database

    parser = argparse.ArgumentParser(prog="python -m tipline.service.jobs")
    parser.add_argument("--db", default=None, help="database URL (default as `tipline serve`)")
    parser.add_argument("--once", action="store_true", help="drain the queue, then exit")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between queue checks")
    parser.add_argument("--parent", type=int, default=None,
                        help="exit when this process (the server) is gone")
    args = parser.parse_args(argv)
    if args.nice:
        lower_priority(args.nice)
    database = Database(args.db or default_db_url())
    migrate.upgrade(database.engine)  # a worker may be the first process to meet a new database
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _work(database, args.once, args.poll, args.parent)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _work(database: Database, once: bool, poll_s: float, parent: int | None) -> int:
    if once:
        requeue_interrupted(database)
        print(f"ran {run_pending(database, real_analyzer)} jobs")
        return 0
    worker = Worker(database, real_analyzer, poll_s=poll_s)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(timeout=1.0)
            if parent is not None and parent_gone(parent):
                log.warning("the server (process %s) is gone; the analysis worker stops",
                            parent)
                break  # the server was killed: its analyses go with it
    except KeyboardInterrupt:
        pass
    worker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
