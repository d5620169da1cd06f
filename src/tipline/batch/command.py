"""The `tipline batch` commands: open the store and the cluster, run, report.

stdout carries the result (the summary line; for `link`, the links as `tipline links` prints
them); the progress bar and notes go to stderr. Exit 0 done, 1 some case failed to analyse
(it stays due: the next run retries it), 2 nothing could run (database, cluster, engine).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from tipline.errors import TiplineError
from tipline.service.db import Database


def _error(message: str) -> int:
    print(f"tipline: {message}", file=sys.stderr)
    return 2


@contextmanager
def _store(db: str | None) -> Iterator[Database]:
    """The database at `db` (default as `tipline serve`), migrated to head like a worker's."""
    from tipline.service import migrate
    from tipline.service.config import default_db_url

    database = Database(db or default_db_url())
    try:
        migrate.upgrade(database.engine)
        yield database
    finally:
        database.dispose()


def progress_bar(what: str) -> Progress:
    return Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TextColumn("left"), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=False)


def batch_analyze(db: str | None, address: str | None, workers: int | None,
                  timeout_s: float) -> int:
    from tipline.batch.analyze import analyze_archive
    from tipline.batch.cluster import dask_client
    from tipline.service import audit
    from tipline.service.engine_version import engine_version

    engine = engine_version()
    try:
        with _store(db) as database, dask_client(address, workers, timeout_s) as client, \
                progress_bar("analysing") as bar:
            task = bar.add_task("analysing", total=None)
            report = analyze_archive(
                database, client, engine,
                on_due=lambda n: bar.update(task, total=n),
                on_done=lambda: bar.advance(task))
            with database.session() as session:
                audit.record(session, "cli", "batch.analyze", engine=engine,
                             analysed=report.analysed, current=report.current,
                             failed=len(report.failed), workers=report.workers)
    except TiplineError as exc:
        return _error(str(exc))
    except SQLAlchemyError as exc:
        return _error(f"database: {type(exc).__name__}: {exc}")
    except KeyboardInterrupt:
        print("tipline: interrupted; every result stored so far stands, and a rerun analyses "
              "only the cases still due", file=sys.stderr)
        return 130
    rate = report.analysed / report.seconds if report.seconds else 0.0
    print(f"analysed {report.analysed} of {report.total} stored cases with engine {engine} "
          f"({report.current} already current, {report.superseded} superseded, "
          f"{len(report.failed)} failed) in {report.seconds:.1f} s on {report.workers} "
          f"worker(s): {rate:.2f} cases/s, {rate / max(1, report.workers):.2f} per worker")
    for case_id, error in report.failed:
        print(f"tipline: {case_id}: {error}", file=sys.stderr)
    if report.failed:
        print(f"tipline: {len(report.failed)} case(s) failed and stay due; a rerun retries "
              "them", file=sys.stderr)
        return 1
    return 0


def batch_link(db: str | None, address: str | None, workers: int | None, timeout_s: float,
               *, json_out: bool, threshold: float) -> int:
    from tipline.batch.cluster import dask_client
    from tipline.batch.link import link_archive
    from tipline.links.command import print_links
    from tipline.service import audit

    try:
        with _store(db) as database, dask_client(address, workers, timeout_s) as client, \
                progress_bar("extracting") as bar:
            task = bar.add_task("extracting", total=None)
            report = link_archive(database, client, threshold=threshold,
                                  on_due=lambda n: bar.update(task, total=n),
                                  on_done=lambda n: bar.advance(task, n))
            with database.session() as session:
                audit.record(session, "cli", "batch.link", cases=report.cases,
                             links=len(report.links))
    except TiplineError as exc:
        return _error(str(exc))
    except SQLAlchemyError as exc:
        return _error(f"database: {type(exc).__name__}: {exc}")
    print_links(report.links, json_out=json_out, cases=report.cases)
    for case_id in report.skipped:
        print(f"tipline: {case_id}: no longer a valid case, left out", file=sys.stderr)
    print(f"{len(report.links)} links among {report.cases} stored cases; extraction "
          f"{report.extract_s:.1f} s on the cluster, matching {report.match_s:.1f} s here",
          file=sys.stderr)
    return 0
