"""`tipline batch analyze`: re-analyse every stored case on Dask and store the results.

Resumable and idempotent by the engine version recorded with each analysis: a case is due when
no analysis of its current version by the current engine is stored. Each result is written in
its own short transaction as it arrives, so a run stopped at any point (kill -9 included) has
lost at most the analyses in flight; the rerun finds the stored ones and redoes none of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from distributed import Client, as_completed
from sqlalchemy import exists, func, select

from tipline.batch.cluster import total_threads
from tipline.batch.stored import read_case
from tipline.batch.tasks import Outcome, analyse_stored, worker_engine
from tipline.errors import TiplineError
from tipline.service import jobs
from tipline.service.db import Database
from tipline.service.models import AnalysisResult, CaseRecord, Job, utcnow

IN_FLIGHT_PER_THREAD = 2  # enough queued to keep every worker busy; few lost on a kill


class EngineMismatch(TiplineError):
    """A worker runs another analysis engine than the driver: its results would be mislabelled."""


@dataclass
class AnalyzeReport:
    engine: str
    total: int = 0          # cases in the store when the run started
    current: int = 0        # already analysed by this engine then: skipped
    analysed: int = 0       # analysed and stored by this run
    superseded: int = 0     # stored meanwhile by another run, or erased meanwhile
    failed: list[tuple[str, str]] = field(default_factory=list)
    workers: int = 0
    seconds: float = 0.0    # first case sent to the last result stored


def due_cases(database: Database, engine: str) -> tuple[list[int], int]:
    """The cases without an analysis of their current version by `engine`, and the total."""
    done = exists().where(AnalysisResult.case_pk == CaseRecord.id,
                          AnalysisResult.case_version == CaseRecord.version,
                          AnalysisResult.engine == engine)
    with database.read() as db:
        total = db.scalar(select(func.count()).select_from(CaseRecord)) or 0
        due = list(db.scalars(select(CaseRecord.id).where(~done).order_by(CaseRecord.id)))
    return due, total


def store_outcome(database: Database, outcome: Outcome) -> bool:
    """Store one analysis in its own transaction (`jobs.store_once`: not when one by the same
    engine for the same version is there already, or the case was erased). Queued
    re-analysis jobs for a case still at that version are answered by it: marked done."""
    assert outcome.result is not None
    with database.session() as db:
        if not jobs.store_once(db, outcome.pk, outcome.version, outcome.result, outcome.engine):
            return False
        version = db.scalar(select(CaseRecord.version).where(CaseRecord.id == outcome.pk))
        if version == outcome.version:
            for job in db.scalars(select(Job).where(Job.case_pk == outcome.pk,
                                                    Job.status == "queued")):
                job.status, job.finished_at = "done", utcnow()
    return True


def check_workers(client: Client, engine: str) -> None:
    """Every worker must run the engine this command records, or the batch would store
    results under a version that did not make them."""
    theirs = client.run(worker_engine)
    wrong = {addr: version for addr, version in theirs.items() if version != engine}
    if wrong:
        addr, version = next(iter(wrong.items()))
        raise EngineMismatch(
            f"worker {addr} runs analysis engine {version}, this command {engine}: install "
            f"the same tipline (and TIPLINE_NLI_MODEL) on every worker ({len(wrong)} differ)")


def analyze_archive(database: Database, client: Client, engine: str, *,
                    on_due: Callable[[int], None] = lambda n: None,
                    on_done: Callable[[], None] = lambda: None) -> AnalyzeReport:
    """Send every due case to the cluster, a bounded number at a time, and store each result
    as it comes back. `on_due` hears how many are due, `on_done` of each case finished."""
    check_workers(client, engine)
    due, total = due_cases(database, engine)
    report = AnalyzeReport(engine=engine, total=total, current=total - len(due),
                           workers=total_threads(client))
    on_due(len(due))
    todo = iter(due)
    running = as_completed()
    sent: dict[Hashable, str] = {}  # task key: case id

    def send_next() -> None:
        for pk in todo:
            item = read_case(database, pk)
            if item is None:  # erased since it was listed
                report.superseded += 1
                on_done()
                continue
            future = client.submit(analyse_stored, item, pure=False)
            sent[future.key] = item.case_id
            running.add(future)
            return

    start = time.perf_counter()
    for _ in range(report.workers * IN_FLIGHT_PER_THREAD):
        send_next()
    for future in running:
        try:
            outcome: Outcome = future.result()
        except Exception as exc:  # a worker died on it (KilledWorker) or the task broke
            report.failed.append((sent[future.key], f"{type(exc).__name__}: {exc}"))
        else:
            if outcome.engine != engine:
                raise EngineMismatch(f"a worker analysed {outcome.case_id} with engine "
                                     f"{outcome.engine}, this command runs {engine}")
            if outcome.result is None:
                report.failed.append((outcome.case_id, outcome.error or "no result"))
            elif store_outcome(database, outcome):
                report.analysed += 1
            else:
                report.superseded += 1
        on_done()
        del sent[future.key]
        future.release()
        send_next()
    report.seconds = time.perf_counter() - start
    return report
