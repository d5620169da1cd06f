"""The case store: case files in and out of the database, validated by `tipline.case`.

Every change goes through `case_from_mapping` on the whole case, so the store never holds
a case that `tipline analyze` would reject, and bumps the version that analyses are keyed on.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.case import Case, case_from_mapping
from tipline.errors import CaseFileError
from tipline.service import jobs
from tipline.service.models import (
    CaseRecord,
    EvidenceRecord,
    PersonRecord,
    StatementRecord,
    User,
    utcnow,
)
from tipline.service.policy import policies


class CaseExists(CaseFileError):
    """A case file whose id is already in the store."""


def new_case_id() -> str:
    return f"tip-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadlines(received: date, acknowledged: date | None = None) -> tuple[date, date]:
    """EU Directive 2019/1937 art. 9: acknowledge within 7 days; feedback 3 months after
    acknowledgement, or after the end of the 7-day period when none was sent."""
    wf = policies().workflow
    ack_due = received + timedelta(days=wf.acknowledge_days)
    return ack_due, add_months(acknowledged or ack_due, wf.feedback_months)


def _received_date(received_at: str) -> date:
    return datetime.fromisoformat(received_at).date()


def case_dict(rec: CaseRecord) -> dict[str, Any]:
    """The stored case in the case-file shape (shared/case-format.md)."""
    out: dict[str, Any] = {"id": rec.case_id}
    if rec.language:
        out["language"] = rec.language
    out["received_at"] = rec.received_at
    for key in ("channel", "category", "reporter"):
        if getattr(rec, key) is not None:
            out[key] = getattr(rec, key)
    out["people"] = [_drop_none({"id": p.ref, "name": p.name or None, "role": p.role,
                                 "aliases": p.aliases or None, **p.extra}) for p in rec.people]
    out["statements"] = [_drop_none({"id": s.ref, "by": s.by, "at": s.at, "setting": s.setting,
                                     "question": s.question, "text": s.text, **s.extra})
                         for s in rec.statements]
    out["evidence"] = [_drop_none({"id": e.ref, "kind": e.kind, "at": e.at, "text": e.text,
                                   "fields": e.fields or None, **e.extra}) for e in rec.evidence]
    out.update(rec.extra)
    return out


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


def stored_case(mapping: dict[str, Any], case_id: str) -> Case:
    """A case from its stored shape (`case_dict`): here, and on a batch worker, which is sent
    the mapping rather than the row."""
    return case_from_mapping(mapping, source=case_id)


def to_case(rec: CaseRecord) -> Case:
    return stored_case(case_dict(rec), rec.case_id)


def _people(case_pk: int, items: list[dict[str, Any]], start: int = 0) -> list[PersonRecord]:
    known = {"id", "name", "role", "aliases"}
    return [PersonRecord(case_pk=case_pk, position=start + i, ref=p["id"], name=p.get("name", ""),
                         role=p.get("role", "other"), aliases=p.get("aliases", []),
                         extra={k: v for k, v in p.items() if k not in known})
            for i, p in enumerate(items)]


def _statement(case_pk: int, position: int, s: dict[str, Any]) -> StatementRecord:
    known = {"id", "by", "at", "setting", "question", "text"}
    return StatementRecord(case_pk=case_pk, position=position, ref=s["id"], by=s["by"],
                           text=s["text"], at=s.get("at"), setting=s.get("setting"),
                           question=s.get("question"),
                           extra={k: v for k, v in s.items() if k not in known})


def _evidence(case_pk: int, position: int, e: dict[str, Any]) -> EvidenceRecord:
    known = {"id", "kind", "at", "text", "fields"}
    return EvidenceRecord(case_pk=case_pk, position=position, ref=e["id"], kind=e["kind"],
                          text=e["text"], at=e.get("at"), fields=e.get("fields", {}),
                          extra={k: v for k, v in e.items() if k not in known})


def store_case(db: Session, case: Case, *, assigned_to: User | None = None) -> CaseRecord:
    """Insert a validated case and queue its first analysis, in the caller's transaction."""
    if db.scalar(select(CaseRecord.id).where(CaseRecord.case_id == case.id)) is not None:
        raise CaseExists(f"a case with id {case.id!r} already exists", source=case.id,
                         field="id")
    d = case.to_dict()
    ack_due, feedback_due = deadlines(_received_date(d["received_at"]))
    known = {"id", "language", "received_at", "channel", "category", "reporter", "people",
             "statements", "evidence"}
    rec = CaseRecord(case_id=case.id, received_at=d["received_at"], language=d.get("language"),
                     channel=d.get("channel"), category=d.get("category"),
                     reporter=d.get("reporter"),
                     extra={k: v for k, v in d.items() if k not in known},
                     status=policies().workflow.initial, assigned_to=assigned_to.id
                     if assigned_to else None, acknowledge_due=ack_due,
                     feedback_due=feedback_due, outcome_facts={}, version=1)
    db.add(rec)
    db.flush()
    db.add_all(_people(rec.id, d["people"]))
    db.add_all(_statement(rec.id, i, s) for i, s in enumerate(d["statements"]))
    db.add_all(_evidence(rec.id, i, e) for i, e in enumerate(d["evidence"]))
    jobs.enqueue(db, rec.id)
    db.flush()
    db.refresh(rec)
    return rec


def next_ref(rec: CaseRecord, letter: str) -> str:
    used = {p.ref for p in rec.people} | {s.ref for s in rec.statements} | {
        e.ref for e in rec.evidence}
    n = 1
    while f"{letter}{n}" in used:
        n += 1
    return f"{letter}{n}"


def _touch(db: Session, rec: CaseRecord) -> None:
    rec.version += 1
    rec.updated_at = utcnow()
    jobs.enqueue(db, rec.id)  # same transaction as the change: the analysis is never lost
    db.flush()
    db.refresh(rec)


def add_statement(db: Session, rec: CaseRecord, item: dict[str, Any]) -> str:
    """Validate one statement against the whole case, store it, and queue re-analysis."""
    if not isinstance(item, dict):
        raise CaseFileError("a statement must be a mapping", source="statement")
    item = {"id": next_ref(rec, "S"), **item}
    d = case_dict(rec)
    d["statements"].append(item)
    case = case_from_mapping(d, source="statement")
    stored = case.to_dict()["statements"][-1]
    db.add(_statement(rec.id, len(rec.statements), stored))
    _touch(db, rec)
    return str(stored["id"])


def add_evidence(db: Session, rec: CaseRecord, item: dict[str, Any]) -> EvidenceRecord:
    """Validate one evidence record against the whole case, store it, queue re-analysis."""
    if not isinstance(item, dict):
        raise CaseFileError("an evidence record must be a mapping", source="evidence")
    return add_evidence_many(db, rec, [{"id": next_ref(rec, "E"), **item}])[0]


def add_evidence_many(db: Session, rec: CaseRecord, items: list[dict[str, Any]],
                      source: str = "evidence") -> list[EvidenceRecord]:
    """Validate records that carry their own ids against the whole case at once, store them
    all, and queue one re-analysis: a file's thousands of records cost one validation, and a
    bad one (a duplicate id, an impossible date, a kind the workflow forbids) stores none."""
    d = case_dict(rec)
    d["evidence"].extend(items)
    case = case_from_mapping(d, source=source)
    kinds = policies().workflow.evidence_kinds
    added = case.to_dict()["evidence"][len(rec.evidence):]
    for n, e in enumerate(added, start=1):
        if e["kind"] not in kinds:
            raise CaseFileError(f"kind {e['kind']!r} is not allowed by the workflow policy",
                                source=source if len(added) == 1 else f"{source} {n}",
                                field="kind")
    first = len(rec.evidence)
    out = [_evidence(rec.id, first + i, e) for i, e in enumerate(added)]
    db.add_all(out)
    _touch(db, rec)
    return out


def add_person(db: Session, rec: CaseRecord, name: str, role: str) -> str:
    ref = next_ref(rec, "P")
    d = case_dict(rec)
    d["people"].append({"id": ref, "name": name, "role": role})
    case_from_mapping(d, source="person")
    db.add_all(_people(rec.id, [{"id": ref, "name": name, "role": role}], len(rec.people)))
    _touch(db, rec)
    return ref


def acknowledge(rec: CaseRecord) -> None:
    """The first acknowledgement moves the feedback deadline to 3 months after it."""
    if rec.acknowledged_at is None:
        rec.acknowledged_at = utcnow()
        _, rec.feedback_due = deadlines(_received_date(rec.received_at),
                                        rec.acknowledged_at.date())


def find(db: Session, case_id: str) -> CaseRecord | None:
    return db.scalar(select(CaseRecord).where(CaseRecord.case_id == case_id))
