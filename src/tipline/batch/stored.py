"""The driver's side of the database: read a case as stored, in a short read of its own."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from tipline.batch.tasks import StoredCase
from tipline.service.casefiles.cases import case_dict
from tipline.service.db import Database
from tipline.service.models import CaseRecord


def read_case(database: Database, pk: int) -> StoredCase | None:
    """The case as stored now, or None when it was erased since it was listed."""
    with database.read() as db:
        rec = db.get(CaseRecord, pk)
        if rec is None:
            return None
        return StoredCase(rec.id, rec.version, rec.case_id, case_dict(rec))


def all_case_pks(database: Database) -> list[int]:
    with database.read() as db:
        return list(db.scalars(select(CaseRecord.id).order_by(CaseRecord.id)))


def read_cases(database: Database, pks: list[int], chunk: int) -> Iterator[list[StoredCase]]:
    """The cases in chunks of `chunk`, each chunk read in one short transaction."""
    for start in range(0, len(pks), chunk):
        with database.read() as db:
            recs = [db.get(CaseRecord, pk) for pk in pks[start:start + chunk]]
            yield [StoredCase(r.id, r.version, r.case_id, case_dict(r))
                   for r in recs if r is not None]
