"""Re-analysis: queued in the same transaction as the change, run by the worker, kept per
version; the real analyzer runs through the service when it can be imported."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tipline.case import case_from_mapping
from tipline.service import jobs
from tipline.service.casefiles import cases
from tipline.service.models import AnalysisResult, Job
from tipline.service.runtime import Service

CASE = {"id": "job-1", "received_at": "2025-01-01T10:00:00+00:00",
        "people": [{"id": "P1", "role": "reporter"}, {"id": "P2", "role": "subject"}],
        "statements": [{"id": "S1", "by": "P1", "text": "He paid me.", "at": "2025-01-01"}]}


def test_statement_and_job_commit_together(service: Service) -> None:
    with service.database.session() as db:
        rec = cases.store_case(db, case_from_mapping(CASE))
    with pytest.raises(RuntimeError), service.database.session() as db:
        rec = cases.find(db, "job-1")
        assert rec is not None
        cases.add_statement(db, rec, {"by": "P2", "text": "I did not."})
        raise RuntimeError("crash before commit")
    with service.database.session() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 1  # only the first
    with service.database.session() as db:
        rec = cases.find(db, "job-1")
        assert rec is not None
        cases.add_statement(db, rec, {"by": "P2", "text": "I did not."})
    assert jobs.run_pending(service.database, service.analyzer) == 1  # both jobs, one run
    with service.database.session() as db:
        assert set(db.scalars(select(Job.status))) == {"done"}
        stored = db.scalars(select(AnalysisResult)).all()
        assert [a.case_version for a in stored] == [2]
        assert stored[0].result["findings"][0]["refs"] == ["S1", "S2"]


def test_worker_thread_runs_queued_jobs(service: Service) -> None:
    worker = jobs.Worker(service.database, service.analyzer, poll_s=0.05)
    worker.start()
    try:
        with service.database.session() as db:
            cases.store_case(db, case_from_mapping(CASE))
        for _ in range(100):
            with service.database.session() as db:
                if db.scalar(select(func.count()).select_from(AnalysisResult)):
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker did not analyse the case")
    finally:
        worker.stop()
        worker.join(timeout=5)


def test_failed_analysis_is_recorded_not_fatal(service: Service) -> None:
    def broken(case):  # type: ignore[no-untyped-def]
        raise ValueError("model missing")

    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    jobs.run_pending(service.database, broken)
    with service.database.session() as db:
        job = db.scalar(select(Job))
        assert job is not None and job.status == "failed" and "model missing" in (job.error or "")


def test_real_analyzer_through_the_service(service: Service) -> None:
    try:
        from tipline.analysis import analyze
    except ImportError as exc:  # the analyzer package is mid-change in another branch
        pytest.skip(f"analyzer not importable: {exc}")
    with service.database.session() as db:
        rec = cases.store_case(db, case_from_mapping(CASE))
        try:
            result = jobs.current_analysis(db, rec, lambda c: analyze(c, use_nli=False))
        except jobs.AnalysisFailed as exc:
            if isinstance(exc.__cause__, ImportError):
                pytest.skip(f"analyzer not importable: {exc}")
            raise
    assert result["case"] == "job-1" and isinstance(result["findings"], list)


def test_standalone_worker_drains_the_queue(service: Service) -> None:
    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    service.analyzer = jobs.real_analyzer
    assert jobs.main(["--db", service.settings.db_url, "--once"]) == 0
    with service.database.session() as db:
        assert set(db.scalars(select(Job.status))) <= {"done", "failed"}
        assert db.scalar(select(func.count()).select_from(Job).where(Job.status == "queued")) == 0


def test_a_job_run_twice_stores_one_analysis(service: Service) -> None:
    """A worker stalled past its lease has its job queued again and run by another; when the
    first finishes late, the version still ends with one stored analysis."""
    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    inner: list[bool] = []

    def slow(case):  # type: ignore[no-untyped-def]
        if not inner:  # mid-analysis the lease runs out; another worker takes the job
            inner.append(True)
            assert jobs.requeue_interrupted(service.database, lease_s=0) == 1
            assert jobs.run_one(service.database, service.analyzer)
        return service.analyzer(case)

    assert jobs.run_one(service.database, slow)
    with service.database.session() as db:
        assert set(db.scalars(select(Job.status))) == {"done"}
        assert [a.case_version for a in db.scalars(select(AnalysisResult))] == [1]


def test_a_live_workers_job_is_not_taken_and_a_killed_ones_is(service: Service) -> None:
    """A worker that starts (or `worker --once`) beside one mid-analysis leaves that job
    alone: its lease is renewed while it runs. A job whose worker was killed (its lease not
    renewed) goes back to the queue and is analysed."""
    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    seen: list[int] = []

    def watched(case):  # type: ignore[no-untyped-def]
        time.sleep(0.3)  # longer than the lease below: only renewals keep the job
        seen.append(jobs.requeue_interrupted(service.database, lease_s=0.2))
        return service.analyzer(case)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jobs, "LEASE_S", 0.2)
        assert jobs.run_one(service.database, watched)
    assert seen == [0]

    with service.database.session() as db:  # a worker killed mid-analysis left this behind
        rec = cases.find(db, "job-1")
        assert rec is not None
        cases.add_statement(db, rec, {"by": "P2", "text": "I did not."})
    with service.database.session() as db:
        job = db.scalars(select(Job).where(Job.status == "queued")).one()
        job.status, job.claimed_at = "running", jobs.utcnow() - timedelta(minutes=5)
    assert jobs.requeue_interrupted(service.database) == 1
    assert jobs.run_pending(service.database, service.analyzer) == 1
    with service.database.session() as db:
        assert set(db.scalars(select(Job.status))) == {"done"}
        assert sorted(a.case_version for a in db.scalars(select(AnalysisResult))) == [1, 2]


def test_an_idle_worker_polls_without_taking_the_write_lock(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: an idle worker's poll is a read. It used to open a writing transaction (on
    SQLite, BEGIN IMMEDIATE: the one write lock) to find the queue empty, so every poll queued
    the requests behind it, or waited behind them."""
    if service.database.engine.dialect.name != "sqlite":
        pytest.skip("the lock probe is SQLite's")
    import sqlite3

    from sqlalchemy.engine import make_url

    from tipline.service import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_S", 0)  # a worker that wants the lock fails at once
    database = dbmod.Database(service.settings.db_url)
    holder = sqlite3.connect(str(make_url(service.settings.db_url).database),
                             isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        assert jobs.run_one(database, service.analyzer) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.dispose()


def test_a_worker_whose_server_is_gone_stops(service: Service) -> None:
    """`--parent`: the worker `tipline serve` starts stops by itself when the server is killed
    (its parent is then another process)."""
    started = time.monotonic()
    assert jobs.main(["--db", service.settings.db_url, "--poll", "0.1",
                      "--parent", str(os.getppid() + 1_000_000)]) == 0
    assert time.monotonic() - started < 30


def test_serve_runs_the_analyses_in_a_supervised_child_process(service: Service) -> None:
    """`tipline serve`'s default: the analyses run in a child process at a lower priority, which
    analyses what is queued, is started again when it dies and is stopped with the server."""
    if service.database.engine.dialect.name != "sqlite":
        pytest.skip("the process handling is the same on PostgreSQL; the real analyzer is slow")
    try:
        import tipline.analysis  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"analyzer not importable: {exc}")
    with service.database.session() as db:
        cases.store_case(db, case_from_mapping(CASE))
    child = jobs.WorkerProcess(service.settings.db_url, poll_s=0.2, restart_s=(0.1, 0.1))
    child.start()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with service.database.session() as db:
                if db.scalar(select(func.count()).select_from(AnalysisResult)):
                    break
            time.sleep(0.2)
        else:
            raise AssertionError("the child process did not analyse the case")
        first = child.proc
        assert first is not None and child.starts == 1
        assert os.getpriority(os.PRIO_PROCESS, first.pid) > os.getpriority(os.PRIO_PROCESS, 0)
        first.kill()  # the analyzer crashed the process
        while time.monotonic() < deadline and (child.proc is first or child.proc is None
                                               or child.proc.poll() is not None):
            time.sleep(0.05)
        assert child.starts == 2 and child.proc is not first and child.proc.poll() is None
    finally:
        child.stop()
    assert child.proc is not None and child.proc.poll() is not None
    assert not child._thread.is_alive()


@pytest.mark.skipif(jobs.autogroup_nice() is None, reason="the kernel groups no sessions here")
def test_the_analysis_process_lowers_its_session_groups_priority_too() -> None:
    """Issue 14: with autogroup the kernel shares the CPU between sessions before nice counts,
    so the analysis child (a session of its own) niced only itself and still took a core of
    the server's two. Started as its own session it nices its group; started from a shell (not
    a session leader) it leaves the shell's group alone."""
    import subprocess
    import sys

    probe = ("import os; from tipline.service.jobs import autogroup_nice, lower_priority; "
             "lower_priority(3); "
             "print(os.nice(0), autogroup_nice())")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def run(own_session: bool) -> tuple[int, int]:
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                             text=True, check=True, start_new_session=own_session).stdout
        nice, group = out.split()
        return int(nice), int(group)

    ours = os.nice(0)
    group = jobs.autogroup_nice()
    assert group is not None
    assert run(own_session=True) == (min(19, ours + 3), min(19, group + 3))
    assert run(own_session=False) == (min(19, ours + 3), group)
