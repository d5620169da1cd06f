"""`tipline batch` on a local Dask cluster, on SQLite and PostgreSQL: the batch's analyses are
the one-by-one analyses of the background worker's path, a rerun redoes nothing, a stale or
unknown-engine analysis is redone, a failure stays due, and the batch's links are the links
`tipline.links` finds over the same cases."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from sqlalchemy import func, select, update

from tipline.batch.analyze import analyze_archive
from tipline.batch.link import link_archive
from tipline.case import case_from_mapping
from tipline.links import extract, link_cases
from tipline.service import jobs
from tipline.service.casefiles import cases
from tipline.service.engine_version import engine_version
from tipline.service.models import (
    AnalysisResult,
    CaseLinkRecords,
    CaseLinkRow,
    CaseRecord,
    Job,
    StatementRecord,
)
from tipline.service.runtime import Service

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from batch_archive import reports  # noqa: E402


@pytest.fixture(scope="module")
def dask() -> Iterator[Client]:
    """Two single-threaded worker processes, shared by the module's tests (the analyzer's
    models load once per worker)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def store(service: Service, count: int) -> None:
    with service.database.session() as db:
        for mapping in reports(count):
            cases.store_case(db, case_from_mapping(mapping, source=mapping["id"]))


def by_engine(service: Service) -> dict[str, int]:
    """Case id: how many analyses by the current engine are stored for it."""
    with service.database.read() as db:
        rows = db.execute(select(CaseRecord.case_id, func.count(AnalysisResult.id))
                          .outerjoin(AnalysisResult, (AnalysisResult.case_pk == CaseRecord.id)
                                     & (AnalysisResult.engine == engine_version()))
                          .group_by(CaseRecord.case_id))
        return {case_id: n for case_id, n in rows}


def test_batch_results_equal_one_by_one_analyses(service: Service, dask: Client) -> None:
    store(service, 8)
    report = analyze_archive(service.database, dask, engine_version())
    assert (report.total, report.analysed, report.current, report.failed) == (8, 8, 0, [])
    with service.database.read() as db:
        for rec in db.scalars(select(CaseRecord)):
            stored = db.scalars(select(AnalysisResult).where(
                AnalysisResult.case_pk == rec.id)).all()
            assert [(a.case_version, a.engine) for a in stored] == [(1, engine_version())]
            assert stored[0].result == jobs.analyse(cases.to_case(rec), jobs.real_analyzer)
        # the queued first-analysis jobs were answered by the batch
        assert set(db.scalars(select(Job.status))) == {"done"}
    again = analyze_archive(service.database, dask, engine_version())
    assert (again.analysed, again.current) == (0, 8)
    assert set(by_engine(service).values()) == {1}


def test_stale_and_unknown_engine_analyses_are_redone(service: Service, dask: Client) -> None:
    store(service, 2)
    jobs.run_pending(service.database, service.analyzer)  # a stand-in: engine unknown
    with service.database.session() as db:
        rec = cases.find(db, "batch-00001")
        assert rec is not None
        cases.add_statement(db, rec, {"by": "P1", "text": "I saw him take the money."})
    first = analyze_archive(service.database, dask, engine_version())
    assert (first.analysed, first.current) == (2, 0)
    with service.database.read() as db:
        versions = db.execute(select(CaseRecord.case_id, AnalysisResult.case_version)
                              .join(CaseRecord).where(AnalysisResult.engine.is_not(None)))
        assert sorted(versions) == [("batch-00000", 1), ("batch-00001", 2)]


def test_failed_case_is_reported_and_stays_due(service: Service, dask: Client) -> None:
    store(service, 2)
    with service.database.session() as db:  # damage one stored case behind the store's back
        pk = db.scalar(select(CaseRecord.id).where(CaseRecord.case_id == "batch-00000"))
        db.execute(update(StatementRecord).where(StatementRecord.case_pk == pk)
                   .values(by="P99"))
    report = analyze_archive(service.database, dask, engine_version())
    assert report.analysed == 1
    assert [case_id for case_id, _ in report.failed] == ["batch-00000"]
    assert "P99" in report.failed[0][1]
    assert by_engine(service) == {"batch-00000": 0, "batch-00001": 1}


def test_batch_links_are_the_links_over_the_same_cases(service: Service, dask: Client) -> None:
    """The CI-sized archive: 1,000 stored reports re-linked (re-analysing as many takes
    minutes on two cores: bench/batch_bench.py measures that)."""
    made = reports(1000)
    with service.database.session() as db:
        for mapping in made:
            cases.store_case(db, case_from_mapping(mapping, source=mapping["id"]))
    report = link_archive(service.database, dask)
    direct = link_cases(extract(case_from_mapping(m, source=m["id"])) for m in made)
    assert report.cases == 1000 and report.skipped == []
    assert len(direct) > 300
    assert report.links == direct
    with service.database.session() as db:  # stored for the case pages
        assert db.scalar(select(func.count()).select_from(CaseLinkRecords)) == 1000
        assert db.scalar(select(func.count()).select_from(CaseLinkRow)) == len(direct)
