"""What runs on a Dask worker. Each function gets a case as stored (the mapping the driver
read) and runs the service's own code on it: `jobs.analyse` with the real analyzer, as the
background worker does, or `links.extract`, as the staff app's linked-cases page does. No
worker touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tipline.errors import CaseFileError


@dataclass(frozen=True)
class StoredCase:
    """One case as the driver read it: the row's key and version, and `cases.case_dict`."""

    pk: int
    version: int
    case_id: str
    mapping: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """The analysis of one stored case version, or why there is none; `engine` is the
    engine version of the worker that ran it."""

    pk: int
    version: int
    case_id: str
    engine: str
    result: dict[str, Any] | None
    error: str | None = None


def worker_engine() -> str:
    from tipline.service.engine_version import engine_version

    return engine_version()


def analyse_stored(item: StoredCase) -> Outcome:
    """`jobs.analyse(to_case(rec), real_analyzer)`, the background worker's path, on a worker."""
    from tipline.service import jobs
    from tipline.service.casefiles.cases import stored_case

    engine = worker_engine()
    try:
        result = jobs.analyse(stored_case(item.mapping, item.case_id), jobs.real_analyzer)
    except (jobs.AnalysisFailed, CaseFileError) as exc:
        return Outcome(item.pk, item.version, item.case_id, engine, None, str(exc))
    return Outcome(item.pk, item.version, item.case_id, engine, result)


def extract_stored(items: list[StoredCase]) -> tuple[list[Any], list[str]]:
    """Identifiers and names of each case (`links.extract`) with the row and version read; a
    case that no longer validates is skipped and named, as the linked-cases page skips it."""
    from tipline.links import extract
    from tipline.service.casefiles.cases import stored_case

    records, skipped = [], []
    for item in items:
        try:
            records.append((item.pk, item.version,
                            extract(stored_case(item.mapping, item.case_id))))
        except CaseFileError:
            skipped.append(item.case_id)
    return records, skipped
