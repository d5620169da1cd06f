"""`tipline batch` as an operator runs it: killed with SIGKILL mid-run and run again, every
case ends up analysed exactly once; an unreachable --address is one clear line; a running
Dask scheduler given by --address runs the same jobs as the local cluster."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from distributed import LocalCluster
from sqlalchemy import func, select

from tipline.service.db import Database
from tipline.service.engine_version import engine_version
from tipline.service.models import AnalysisResult, CaseRecord

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from batch_archive import store_reports  # noqa: E402

REPORTS = 60


def tipline(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tipline", *args], capture_output=True,
                          text=True, timeout=timeout)


def analyses(database: Database) -> list[tuple[int, int, str | None]]:
    """(analysis id, case pk, engine) of every stored analysis."""
    with database.read() as db:
        return [(r[0], r[1], r[2]) for r in db.execute(
            select(AnalysisResult.id, AnalysisResult.case_pk, AnalysisResult.engine))]


def test_killed_run_resumes_without_repeating_or_skipping(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    store_reports(url, REPORTS)
    database = Database(url)
    try:
        run = subprocess.Popen([sys.executable, "-m", "tipline", "batch", "analyze", "--db", url,
                                "--workers", "2"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 240
        while len(analyses(database)) < 5:
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "no case analysed in time"
            time.sleep(0.1)
        os.killpg(run.pid, signal.SIGKILL)  # the driver and its worker processes, at once
        run.communicate(timeout=30)
        before = analyses(database)
        assert 5 <= len(before) < REPORTS, "the run was not killed midway"

        done = tipline("batch", "analyze", "--db", url, "--workers", "2")
        assert done.returncode == 0, done.stderr
        remaining = REPORTS - len(before)
        assert f"analysed {remaining} of {REPORTS} stored cases" in done.stdout
        assert f"{len(before)} already current" in done.stdout
        assert f"{remaining}/{remaining}" in done.stderr  # the progress bar, on stderr
        after = analyses(database)
        assert set(before) <= set(after)  # the killed run's results stand untouched
        with database.read() as db:
            pks = set(db.scalars(select(CaseRecord.id)))
        per_case = {pk: [a for a in after if a[1] == pk] for pk in pks}
        assert all(len(found) == 1 and found[0][2] == engine_version()
                   for found in per_case.values()), per_case

        again = tipline("batch", "analyze", "--db", url, "--workers", "1")
        assert again.returncode == 0 and f"analysed 0 of {REPORTS}" in again.stdout
        assert analyses(database) == after
        with database.read() as db:
            assert db.scalar(select(func.count()).select_from(AnalysisResult)) == REPORTS
    finally:
        database.dispose()


def test_unreachable_address_is_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    store_reports(url, 2)
    start = time.monotonic()
    for command, option in (("analyze", "--address"), ("link", "--cluster")):
        done = tipline("batch", command, "--db", url, option, "tcp://127.0.0.1:9",
                       "--timeout", "2")
        assert done.returncode == 2
        assert done.stderr.startswith("tipline: cannot reach a Dask scheduler at "
                                      "tcp://127.0.0.1:9 within 2 s")
        assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert time.monotonic() - start < 60
    done = tipline("batch", "analyze", "--db", url, "--address", "nowhere")
    assert done.returncode == 2 and "not a Dask scheduler address" in done.stderr


def test_a_running_scheduler_runs_the_same_jobs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    store_reports(url, 120)
    local = tipline("batch", "link", "--db", url, "--json", "--workers", "1")
    assert local.returncode == 0, local.stderr
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        remote = tipline("batch", "link", "--db", url, "--json", "--address", address,
                         "--workers", "1")
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout and remote.stdout.count("\n") > 10
        small = f"sqlite:///{tmp_path / 'small.sqlite3'}"
        store_reports(small, 4)
        done = tipline("batch", "analyze", "--db", small, "--address", address)
    assert done.returncode == 0, done.stderr
    assert "analysed 4 of 4 stored cases" in done.stdout
