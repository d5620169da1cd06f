"""Crash safety (issue 14): a kill -9 of the server under load loses no acknowledged report
and leaves a store that checks out; a kill -9 of `tipline worker` mid-analysis leaves the job
to run again, and its result is written once. Real processes, real signals, both databases."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

import tipline
from tipline.case import case_from_mapping
from tipline.service import audit
from tipline.service.casefiles import cases
from tipline.service.intake import reports
from tipline.service.models import AnalysisResult, AuditEntry, Job, Report
from tipline.service.runtime import Service

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(tipline.__file__).resolve().parents[1]


def _env(data_dir: Path) -> dict[str, str]:
    """The child sees this checkout's code (tests and src) and the test's data folder; a
    killed worker's job is free again after 2 s (the lease), not two minutes."""
    return {**os.environ, "TIPLINE_DATA_DIR": str(data_dir), "TIPLINE_JOB_LEASE_S": "2",
            "PYTHONPATH": os.pathsep.join([str(SRC), str(ROOT)])}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def reporter_server(url: str, data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """tests/service/server_process.py in a child process, answering on `port`."""
    log = data_dir / f"server-{port}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.service.server_process", url,
                                 str(data_dir), str(port)], cwd=ROOT, env=_env(data_dir),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}: {log.read_text()}")
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not start: {log.read_text()}")
                time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def test_kill_9_under_load_loses_no_acknowledged_report(
        service: Service, tmp_path: Path) -> None:
    """Eight clients submit reports as fast as they are answered (each report from its own
    loopback address); the server is killed -9 mid-load and started again on the same store:
    every report answered 201 is there, opens with its receipt and holds the text sent, the
    audit chain verifies and every report has its audit entry; SQLite's file checks out."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: list[tuple[str, str]] = []
    lock, stop, numbers = threading.Lock(), threading.Event(), itertools.count()

    def reporter(client_no: int) -> None:
        while not stop.is_set():
            n = next(numbers)
            sent = f"Report {n} from client {client_no}: the clerk sells permits."
            source = f"127.0.{10 + n // 250}.{n % 250 + 1}"
            try:
                with httpx.Client(transport=httpx.HTTPTransport(local_address=source),
                                  timeout=10) as client:
                    r = client.post(f"{base}/api/v1/reports", json={"text": sent})
            except httpx.HTTPError:
                continue  # in flight when the server died: never acknowledged
            if r.status_code == 201:
                with lock:
                    acknowledged.append((sent, r.json()["receipt"]))

    with reporter_server(service.settings.db_url, tmp_path, port) as proc:
        clients = [threading.Thread(target=reporter, args=(i,)) for i in range(8)]
        for t in clients:
            t.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        stop.set()
        for t in clients:
            t.join(timeout=15)
    assert len(acknowledged) >= 40, "the load never got going"

    with reporter_server(service.settings.db_url, tmp_path, port), \
            httpx.Client(timeout=10) as client:
        for _sent, receipt in acknowledged:
            r = client.get(f"{base}/api/v1/followup", headers={"X-Receipt": receipt})
            assert r.status_code == 200, r.text
        assert client.post(f"{base}/api/v1/reports", json={"text": "After the crash."}
                           ).status_code == 201

    for sent, receipt in acknowledged:
        opened = reports.find_by_receipt(service, receipt)
        assert opened is not None
        with service.database.read() as db:
            report = db.get_one(Report, opened.report_pk)
            assert report.case.statements[0].text == sent
    with service.database.session() as db:
        verdict = audit.verify(db)
        assert verdict.ok, verdict
        submitted = db.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "report.submit"))
        assert submitted == db.scalar(select(func.count()).select_from(Report))
        if db.get_bind().dialect.name == "sqlite":
            assert db.execute(text("PRAGMA integrity_check")).all() == [("ok",)]
            assert db.execute(text("PRAGMA foreign_key_check")).all() == []


CASE = {"id": "crash-1", "received_at": "2025-03-01T10:00:00+00:00",
        "people": [{"id": "P1", "role": "reporter", "name": "Wen Li"},
                   {"id": "P2", "role": "subject", "name": "Zhang Wei"}],
        "statements": [
            {"id": "S1", "by": "P1", "at": "2025-03-01",
             "text": "Zhang Wei took 20,000 CNY in cash from the contractor on 3 March."},
            {"id": "S2", "by": "P2", "at": "2025-03-02",
             "text": "I never met the contractor and I took no money from anyone."},
            {"id": "S3", "by": "P1", "at": "2025-03-03",
             "text": "I saw them together at the depot on Friday evening."},
            {"id": "S4", "by": "P2", "at": "2025-03-04",
             "text": "On Friday I was at home with my family all evening."}]}


def _jobs(service: Service, case_pk: int) -> tuple[list[str], list[int]]:
    """The case's job statuses and the versions its stored analyses are for."""
    with service.database.read() as db:
        statuses = list(db.scalars(select(Job.status).where(Job.case_pk == case_pk)))
        versions = list(db.scalars(select(AnalysisResult.case_version).where(
            AnalysisResult.case_pk == case_pk)))
    return statuses, versions


def test_kill_9_of_a_worker_mid_analysis_runs_the_job_again_and_writes_once(
        service: Service, tmp_path: Path) -> None:
    """`tipline worker` with the real analyzer is killed -9 while the job is running (the
    analyzer still loading or thinking): nothing was written, the job is left 'running'; once
    its lease runs out the next `tipline worker` takes it back, and the case has exactly one
    stored analysis."""
    with service.database.session() as db:
        rec = cases.store_case(db, case_from_mapping(CASE))
        case_pk, version = rec.id, rec.version
    worker = [sys.executable, "-c", "from tipline.cli import app; app()", "worker",
              "--db", service.settings.db_url]
    first = subprocess.Popen(worker, env=_env(tmp_path), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while _jobs(service, case_pk)[0] != ["running"]:
            assert first.poll() is None and time.monotonic() < deadline, "never claimed"
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _jobs(service, case_pk) == (["running"], []), "killed after it had finished"

    second = subprocess.Popen(worker, env=_env(tmp_path), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _jobs(service, case_pk)[0] != ["done"]:
            assert second.poll() is None and time.monotonic() < deadline, "never retried"
            time.sleep(0.1)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
    assert _jobs(service, case_pk) == (["done"], [version])


def test_sigterm_of_a_worker_mid_analysis_hands_the_job_back_at_once(
        service: Service, tmp_path: Path) -> None:
    """`tipline worker` stopped with SIGTERM (as `tipline serve` stops its child) while the job
    is running: the job is queued again before the process exits, without waiting for its
    lease, and nothing was stored."""
    with service.database.session() as db:
        rec = cases.store_case(db, case_from_mapping(CASE))
        case_pk, version = rec.id, rec.version
    worker = [sys.executable, "-c", "from tipline.cli import app; app()", "worker",
              "--db", service.settings.db_url]
    env = {**_env(tmp_path), "TIPLINE_JOB_LEASE_S": "600"}
    proc = subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while _jobs(service, case_pk)[0] != ["running"]:
            assert proc.poll() is None and time.monotonic() < deadline, "never claimed"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    statuses, versions = _jobs(service, case_pk)
    assert statuses in (["queued"], ["done"]), statuses  # "done": it finished first
    assert versions == ([] if statuses == ["queued"] else [version])
