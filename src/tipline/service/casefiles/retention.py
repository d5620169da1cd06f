"""Erasing closed cases once their retention period is over.

EU Directive 2019/1937 art. 18 and GDPR art. 5(1)(e): reports are kept no longer than needed.
The periods are policy data (`retention_days` in workflow.yaml, per disposition) counted from
the moment the case was closed, which the audit log records; a case under legal hold is kept
until the hold is lifted. Erasing deletes the case row and,
through the database's ON DELETE CASCADE, everything hanging off it: people, statements,
evidence and attachments, the receipt, messages, tasks, notes, the sealed reporter identity and
requests to see it, analyses and jobs. The audit log keeps its entries (case id, actions, who
and when) and gains one `case.erased` entry, so the hash chain stays whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tipline.service import audit
from tipline.service.db import Database
from tipline.service.models import AuditEntry, CaseRecord
from tipline.service.policy import policies


@dataclass(frozen=True)
class Kept:
    """A closed case and the day its retention ends."""

    case_pk: int
    case_id: str
    disposition: str
    closed_at: datetime
    keep_until: datetime
    hold: str | None = None  # a legal hold's reason: never due while it stands

    def due(self, now: datetime) -> bool:
        return self.hold is None and now >= self.keep_until


def closed_at(db: Session, closed: list[CaseRecord]) -> dict[str, datetime]:
    """When each case was closed, from its `case.status` audit entries (closed is final, so the
    last one that closed it)."""
    wf = policies().workflow
    ids = [c.case_id for c in closed]
    found: dict[str, datetime] = {}
    for start in range(0, len(ids), 500):  # stay under every database's parameter limit
        rows = db.execute(select(AuditEntry.case_id, AuditEntry.at, AuditEntry.detail).where(
            AuditEntry.action == "case.status", AuditEntry.case_id.in_(ids[start:start + 500])))
        for case_id, at, detail in rows:
            if case_id and (detail or {}).get("new") == wf.closing:
                moment = datetime.fromisoformat(at)
                found[case_id] = max(moment, found.get(case_id, moment))
    return found


def _kept(rec: CaseRecord, closed: dict[str, datetime]) -> Kept:
    wf = policies().workflow
    at = closed.get(rec.case_id, rec.updated_at)  # no close entry: the last change stands in
    # a disposition the policy no longer names is kept for the longest period
    days = wf.retention_days.get(rec.disposition or "", max(wf.retention_days.values()))
    return Kept(rec.id, rec.case_id, rec.disposition or "?", at, at + timedelta(days=days),
                rec.legal_hold)


def review(db: Session) -> list[Kept]:
    """Every closed case with the day it may be erased, oldest first."""
    closed = list(db.scalars(select(CaseRecord).where(
        CaseRecord.status == policies().workflow.closing)))
    when = closed_at(db, closed)
    return sorted((_kept(rec, when) for rec in closed), key=lambda k: k.keep_until)


def kept(db: Session, rec: CaseRecord) -> Kept | None:
    """One case's retention, or None while it is open."""
    if rec.status != policies().workflow.closing:
        return None
    return _kept(rec, closed_at(db, [rec]))


def erase(db: Session, case: Kept, actor: str) -> None:
    """Delete one case and all that hangs off it; record that it was done and why."""
    db.execute(delete(CaseRecord).where(CaseRecord.id == case.case_pk)
               .execution_options(synchronize_session=False))
    audit.record(db, actor, "case.erased", case.case_id, disposition=case.disposition,
                 closed_at=case.closed_at.isoformat(), kept_until=case.keep_until.isoformat())


@dataclass(frozen=True)
class Sweep:
    """What one run found: cases due (erased when applied), held past their period, kept."""

    due: list[Kept]
    held: list[Kept]
    within: int


def run(database: Database, now: datetime, apply: bool, actor: str) -> Sweep:
    """The closed cases due at `now`, erased when `apply`, each in its own transaction."""
    with database.session() as db:
        kept = review(db)
    due = [k for k in kept if k.due(now)]
    held = [k for k in kept if k.hold and now >= k.keep_until]
    if apply:
        for case in due:
            with database.session() as db:
                erase(db, case, actor)
    return Sweep(due, held, len(kept) - len(due) - len(held))
