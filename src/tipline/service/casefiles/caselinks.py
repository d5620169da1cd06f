"""Linked cases for the staff app, found in the background and shown within permissions.

When a case changes, the worker (after its analysis, in the same job) links it: the case's
people and identifiers are kept as JSON (`CaseLinkRecords`), matched against every other
case's kept records by `links.link_cases(focus=…)`, and the links stored in `case_links`
(`refresh`). A case page reads them (`linked_cases`) and shows only those whose other case the
user may see, so a case the user may not see is never named or counted. Until the worker has
linked the case's current version (a case just stored, or an archive from before this table),
the page links on request over only the cases the user may see, as it always did.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from tipline.errors import CaseFileError
from tipline.links import (
    CaseLink,
    CaseRecords,
    extract,
    link_cases,
    records_from_json,
    records_to_json,
)
from tipline.links.link import Reason
from tipline.service.accounts import permissions
from tipline.service.casefiles import casework
from tipline.service.casefiles.cases import to_case
from tipline.service.db import Database
from tipline.service.models import CaseLinkRecords, CaseLinkRow, CaseRecord, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkedCase:
    """Another case linked to the one shown, with reasons worded from the shown case's side."""

    case_id: str
    category: str | None
    score: float
    reasons: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, object]:
        return {"case_id": self.case_id, "category": self.category,
                "score": round(self.score, 3),
                "reasons": [{"text": text, "score": round(score, 3)}
                            for text, score in self.reasons]}


def _records(recs: list[CaseRecord]) -> list[CaseRecords]:
    return [records for rec in recs if (records := _extract(rec)) is not None]


def _word(reason: Reason, here_is_a: bool, other: str) -> str:
    """One reason as seen from this case: "the reporter (P1) of this case is a subject (P2)
    in case X: same phone …", "both mention phone … (this case: E1; case X: E2)"."""
    if reason.who is not None:
        mine, theirs = reason.who if here_is_a else (reason.who[1], reason.who[0])
        return f"{mine} of this case is {theirs} in case {other}: {reason.detail}"
    if reason.refs is not None:
        mine, theirs = reason.refs if here_is_a else (reason.refs[1], reason.refs[0])
        return f"{reason.detail} (this case: {mine}; case {other}: {theirs})"
    return reason.text


def linked_cases(db: Session, user: User, rec: CaseRecord) -> list[LinkedCase]:
    """Every case `user` may see that links to `rec`, strongest first. The caller has opened
    `rec` for `user` (casework.open_case), so `rec` itself is one they may see."""
    kept = db.get(CaseLinkRecords, rec.id)
    if kept is None or kept.case_version != rec.version:
        return _linked_on_request(db, user, rec)
    rows = db.scalars(select(CaseLinkRow).where(
        or_(CaseLinkRow.case_a_pk == rec.id, CaseLinkRow.case_b_pk == rec.id)))
    out = []
    for row in rows:
        here_is_a = row.case_a_pk == rec.id
        other = db.get(CaseRecord, row.case_b_pk if here_is_a else row.case_a_pk)
        if other is None or not permissions.allowed(
                user.role, "case.view", assigned=casework.is_assigned(user, other)):
            continue
        reasons = [_reason(r) for r in row.reasons]
        out.append(LinkedCase(other.case_id, other.category, row.score, tuple(
            (_word(r, here_is_a, other.case_id), r.score) for r in reasons)))
    out.sort(key=lambda link: (-link.score, link.case_id))
    return out


def _linked_on_request(db: Session, user: User, rec: CaseRecord) -> list[LinkedCase]:
    """Link over only the cases `user` may see, here and now: a hidden case is never even
    weighed."""
    visible = {c.case_id: c for c in casework.visible_cases(db, user)}
    if rec.case_id not in visible:  # defensive: never link from a case the user cannot see
        return []
    out = []
    for link in link_cases(_records(list(visible.values()))):
        if rec.case_id not in (link.a, link.b):
            continue
        here_is_a = link.a == rec.case_id
        other = link.b if here_is_a else link.a
        out.append(LinkedCase(other, visible[other].category, link.score, tuple(
            (_word(r, here_is_a, other), r.score) for r in link.reasons)))
    return out


def _reason(data: dict[str, Any]) -> Reason:
    return Reason(data["text"], data["score"], data.get("detail", ""),
                  tuple(data["who"]) if data.get("who") else None,
                  tuple(data["refs"]) if data.get("refs") else None)


def refresh(database: Database, case_pk: int) -> int | None:
    """Link one case, as stored now, against every other case's kept records and replace its
    links; the number of links, or None when the case is gone or changed meanwhile (its own
    job will link the newer version). Reading and matching happen outside any write
    transaction; only the replacement holds the write lock, briefly."""
    with database.read() as db:
        rec = db.get(CaseRecord, case_pk)
        if rec is None:
            return None
        version, case_id = rec.version, rec.case_id
        mine = _extract(rec) or CaseRecords(case_id, None, (), ())
        pks = {cid: pk for cid, pk in db.execute(select(CaseRecord.case_id, CaseRecord.id))}
        kept = {row.case_pk: row.records for row in db.scalars(select(CaseLinkRecords))}
        backfill = [(other.id, other.version, records) for other in db.scalars(
            select(CaseRecord).where(CaseRecord.id.notin_([*kept, case_pk])))
            if (records := _extract(other)) is not None]
    archive = [records_from_json(data) for pk, data in kept.items() if pk != case_pk]
    archive += [records for *_, records in backfill]
    links = link_cases([*archive, mine], focus=case_id)
    with database.session() as db:
        rec = db.get(CaseRecord, case_pk)
        if rec is None or rec.version != version:
            return None
        for pk, at_version, records in backfill:  # stored before linking ran in the background
            if db.get(CaseRecord, pk) is not None:
                db.merge(CaseLinkRecords(case_pk=pk, case_version=at_version,
                                         records=records_to_json(records)))
        db.merge(CaseLinkRecords(case_pk=case_pk, case_version=version,
                                 records=records_to_json(mine)))
        db.execute(delete(CaseLinkRow).where(
            or_(CaseLinkRow.case_a_pk == case_pk, CaseLinkRow.case_b_pk == case_pk)))
        db.add_all(_rows(links, pks))
    return len(links)


def store_archive(database: Database, kept: list[tuple[int, int, CaseRecords]],
                  links: list[CaseLink]) -> None:
    """Keep every case's records (row, version read, records) and replace every stored link
    with `links`, found over all of them (`tipline batch link`). A case changed or erased
    since it was read keeps what its own job stores."""
    with database.session() as db:
        versions = dict(db.execute(select(CaseRecord.id, CaseRecord.version)).all())
        current = [(pk, version, records) for pk, version, records in kept
                   if versions.get(pk) == version]
        for pk, version, records in current:
            db.merge(CaseLinkRecords(case_pk=pk, case_version=version,
                                     records=records_to_json(records)))
        pks = {records.case: pk for pk, _, records in current}
        db.execute(delete(CaseLinkRow))
        db.add_all(_rows(links, pks))


def _extract(rec: CaseRecord) -> CaseRecords | None:
    try:
        return extract(to_case(rec))
    except CaseFileError:  # the store validates every change; never fail on one
        return None


def _rows(links: list[CaseLink], pks: dict[str, int]) -> list[CaseLinkRow]:
    return [CaseLinkRow(case_a_pk=pks[link.a], case_b_pk=pks[link.b], score=link.score,
                        reasons=[asdict(r) for r in link.reasons])
            for link in links if link.a in pks and link.b in pks]


def refresh_quietly(database: Database, case_pk: int) -> None:
    """`refresh` for the worker: a failure to link is logged, never fails the job's analysis."""
    try:
        refresh(database, case_pk)
    except Exception:  # the links are an aid; the page falls back to linking on request
        log.exception("linking case %s failed", case_pk)
