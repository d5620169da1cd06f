"""Staff actions on cases. Each checks the permission matrix and writes its audit entry in the
same transaction as the change, so the log cannot miss a committed change."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tipline.errors import TiplineError
from tipline.service import audit
from tipline.service.accounts import permissions
from tipline.service.casefiles import cases
from tipline.service.identity import IdentityBox
from tipline.service.intake.uploads import FileBox
from tipline.service.models import (
    ApiToken,
    AuditEntry,
    CaseRecord,
    IdentityRequest,
    Message,
    Note,
    ReporterIdentity,
    ReporterUpload,
    StaffSession,
    Task,
    User,
    utcnow,
)
from tipline.service.policy import policies

IDENTITY_APPROVAL_HOURS = 24


class Forbidden(TiplineError):
    """The user's role does not allow this (or not on this case)."""


class NotFound(TiplineError):
    """No such case, or one this user may not know exists."""


class Invalid(TiplineError):
    """A request that breaks the workflow or misses a required field."""


def is_assigned(user: User, rec: CaseRecord) -> bool:
    return rec.assigned_to == user.id


def require(user: User, action: str, rec: CaseRecord | None = None) -> None:
    assigned = rec is not None and is_assigned(user, rec)
    if not permissions.allowed(user.role, action, assigned=assigned):
        raise Forbidden(f"{user.role} may not {action}" + (f" on {rec.case_id}" if rec else ""))


def visible_cases(db: Session, user: User, limit: int | None = None,
                  before: str | None = None) -> list[CaseRecord]:
    """What `user` may see, newest first: everything for 'all', their own cases for
    'assigned', else none. A page of it: at most `limit` cases, those older than the case
    `before` (the last of the previous page: a key, so a case arriving meanwhile shifts
    nothing); an unknown `before`, or one the user may not see, is `NotFound`."""
    scope = permissions.scope(user.role, "case.view")
    query = select(CaseRecord).order_by(CaseRecord.id.desc())
    if scope is None:
        return []
    if scope == "assigned":
        query = query.where(CaseRecord.assigned_to == user.id)
    if before is not None:
        query = query.where(CaseRecord.id < visible_case(db, user, before).id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def visible_case(db: Session, user: User, case_id: str) -> CaseRecord:
    """The case, if `user` may view it; a case they may not is reported as not found."""
    rec = cases.find(db, case_id)
    if rec is None or not permissions.allowed(user.role, "case.view",
                                              assigned=is_assigned(user, rec)):
        raise NotFound(f"no case {case_id!r}")
    return rec


def open_case(db: Session, user: User, case_id: str, action: str = "case.view") -> CaseRecord:
    """Load a case for `action` (`visible_case`, then the action's permission)."""
    rec = visible_case(db, user, case_id)
    require(user, action, rec)
    if action == "case.view":
        audit.record(db, user.username, "case.view", rec.case_id)
    return rec


def change_status(db: Session, user: User, rec: CaseRecord, new: str,
                  disposition: str | None = None, reasons: str | None = None) -> None:
    wf = policies().workflow
    if not wf.can_move(rec.status, new):
        raise Invalid(f"a {rec.status} case cannot move to {new!r}")
    if new == wf.closing:
        require(user, "case.close", rec)
        if disposition not in wf.dispositions:
            raise Invalid(f"closing needs a disposition: one of {', '.join(wf.dispositions)}")
        if not (reasons or "").strip():
            raise Invalid("closing needs the reasons for the disposition")
        rec.disposition, rec.disposition_reasons = disposition, reasons.strip() if reasons \
            else None
        if rec.feedback_at is None:
            rec.feedback_at = utcnow()
    else:
        require(user, "case.status", rec)
    old, rec.status = rec.status, new
    if new in wf.acknowledging:
        cases.acknowledge(rec)
    rec.updated_at = utcnow()
    audit.record(db, user.username, "case.status", rec.case_id, old=old, new=new,
                 disposition=disposition)


def require_open(rec: CaseRecord, what: str) -> None:
    """A closed case is a finished record: nothing is added until a supervisor reopens it."""
    if rec.status == policies().workflow.closing:
        raise Invalid(f"case {rec.case_id} is closed: a supervisor must reopen it before "
                      f"{what} can be added")


def reopen(db: Session, user: User, rec: CaseRecord, reason: str) -> None:
    """A supervisor reopens a closed case, with the reason: it goes back to the status it was
    closed from, its disposition is withdrawn (kept in the audit entry), and work resumes."""
    wf = policies().workflow
    require(user, "case.close", rec)
    if rec.status != wf.closing:
        raise Invalid(f"a {rec.status} case is not closed")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise Invalid("say why the case is reopened (at least 10 characters)")
    closed_from = next((d.get("old") for d in db.scalars(
        select(AuditEntry.detail).where(AuditEntry.case_id == rec.case_id,
                                        AuditEntry.action == "case.status")
        .order_by(AuditEntry.seq.desc())) if (d or {}).get("new") == wf.closing), None)
    back = closed_from if closed_from in wf.statuses and closed_from != wf.closing \
        else wf.initial
    audit.record(db, user.username, "case.reopen", rec.case_id, new=back, reason=reason,
                 disposition=rec.disposition)
    rec.status, rec.disposition, rec.disposition_reasons = back, None, None
    rec.updated_at = utcnow()


def set_hold(db: Session, user: User, rec: CaseRecord, reason: str | None) -> None:
    """Place a legal hold (with its reason) so retention never erases the case, or lift it."""
    require(user, "case.hold", rec)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) < 10:
        raise Invalid("say why the case must be kept (at least 10 characters)")
    rec.legal_hold = reason
    audit.record(db, user.username, "case.hold" if reason else "case.release", rec.case_id,
                 reason=reason)


def assign(db: Session, user: User, rec: CaseRecord, username: str | None) -> None:
    require(user, "case.assign", rec)
    assignee = None
    if username:
        assignee = db.scalar(select(User).where(User.username == username))
        if assignee is None or assignee.role not in ("investigator", "supervisor"):
            raise Invalid(f"{username!r} is not an investigator or supervisor")
    rec.assigned_to = assignee.id if assignee else None
    audit.record(db, user.username, "case.assign", rec.case_id, to=username or None)


def add_statement(db: Session, user: User, rec: CaseRecord, item: dict[str, Any]) -> str:
    require(user, "case.edit", rec)
    require_open(rec, "statements")
    ref = cases.add_statement(db, rec, item)
    audit.record(db, user.username, "statement.add", rec.case_id, ref=ref,
                 interview=bool(item.get("question")))
    return ref


def add_evidence(db: Session, user: User, rec: CaseRecord, item: dict[str, Any]) -> str:
    require(user, "case.edit", rec)
    require_open(rec, "evidence records")
    ev = cases.add_evidence(db, rec, item)
    audit.record(db, user.username, "evidence.add", rec.case_id, ref=ev.ref)
    return ev.ref


def import_evidence(db: Session, user: User, rec: CaseRecord, records: list[dict[str, Any]],
                    *, file: str, fmt: str, sha256: str, size: int,
                    notes: list[str] | None = None) -> list[str]:
    """Records read from one file (`tipline.imports`), added together or not at all, with one
    re-analysis queued and one audit entry naming the file, its SHA-256 and the ids added."""
    require(user, "case.edit", rec)
    require_open(rec, "evidence records")
    if not records:
        raise Invalid(f"{file}: the file holds no records to import")
    added = cases.add_evidence_many(db, rec, records, source=file)
    refs = [ev.ref for ev in added]
    audit.record(db, user.username, "evidence.import", rec.case_id, file=file, format=fmt,
                 sha256=sha256, size=size, count=len(refs), first=refs[0], last=refs[-1],
                 notes=notes or [])
    return refs


def add_task(db: Session, user: User, rec: CaseRecord, title: str, due: date | None) -> None:
    require(user, "case.edit", rec)
    require_open(rec, "tasks")
    if not title.strip():
        raise Invalid("a task needs a title")
    db.add(Task(case_pk=rec.id, title=title.strip(), due=due, created_by=user.id))
    audit.record(db, user.username, "task.add", rec.case_id, title=title.strip(),
                 due=due.isoformat() if due else None)


def finish_task(db: Session, user: User, rec: CaseRecord, task_id: int) -> None:
    require(user, "case.edit", rec)
    task = db.get(Task, task_id)
    if task is None or task.case_pk != rec.id:
        raise NotFound("no such task")
    task.done = True
    audit.record(db, user.username, "task.done", rec.case_id, task=task_id)


def add_note(db: Session, user: User, rec: CaseRecord, text: str) -> None:
    require(user, "case.edit", rec)
    if not text.strip():
        raise Invalid("a note must not be empty")
    db.add(Note(case_pk=rec.id, author_id=user.id, text=text.strip()))
    audit.record(db, user.username, "note.add", rec.case_id)


def reply(db: Session, user: User, rec: CaseRecord, text: str, feedback: bool = False) -> None:
    """A message the reporter reads with their receipt; the first one acknowledges receipt."""
    require(user, "message.reply", rec)
    if not text.strip():
        raise Invalid("a message must not be empty")
    db.add(Message(case_pk=rec.id, author="staff", user_id=user.id, text=text.strip()))
    cases.acknowledge(rec)
    if feedback and rec.feedback_at is None:
        rec.feedback_at = utcnow()
    audit.record(db, user.username, "message.reply", rec.case_id, feedback=feedback)


SUBJECTS = ("identity", "originals")  # what a request asks to see


def request_identity(db: Session, user: User, rec: CaseRecord, reason: str,
                     subject: str = "identity") -> IdentityRequest:
    """Ask a custodian to open the reporter's identity, or (subject "originals") the files the
    reporter sent as they were sent, metadata included."""
    require(user, "identity.request", rec)
    if subject not in SUBJECTS:
        raise Invalid(f"a request is for one of {', '.join(SUBJECTS)}")
    what = "the reporter's identity" if subject == "identity" else "the original files"
    if len(reason.strip()) < 10:
        raise Invalid(f"say why you need {what} (at least 10 characters)")
    if subject == "identity" and db.scalar(
            select(ReporterIdentity.id).where(ReporterIdentity.case_pk == rec.id)) is None:
        raise Invalid("the reporter of this case gave no identity")
    if subject == "originals" and db.scalar(
            select(ReporterUpload.id).where(ReporterUpload.case_pk == rec.id)) is None:
        raise Invalid("the reporter of this case sent no files")
    req = IdentityRequest(case_pk=rec.id, requester_id=user.id, reason=reason.strip(),
                          subject=subject)
    db.add(req)
    db.flush()
    audit.record(db, user.username, "identity.request", rec.case_id, request=req.id,
                 reason=reason.strip(), subject=subject)
    return req


def pending_identity_requests(db: Session, user: User) -> list[IdentityRequest]:
    require(user, "identity.decide")
    return list(db.scalars(select(IdentityRequest).order_by(IdentityRequest.id.desc())))


def decide_identity(db: Session, user: User, request_id: int, approve: bool,
                    reason: str) -> None:
    require(user, "identity.decide")
    req = db.get(IdentityRequest, request_id)
    if req is None:
        raise NotFound("no such request")
    if req.status != "pending":
        raise Invalid(f"request {request_id} is already {req.status}")
    if not reason.strip():
        raise Invalid("a decision needs a reason")
    req.status = "approved" if approve else "denied"
    req.decided_by, req.decided_at, req.decision_reason = user.id, utcnow(), reason.strip()
    audit.record(db, user.username, f"identity.{req.status}", req.case.case_id,
                 request=req.id, reason=reason.strip())


def approved_request(db: Session, user: User, rec: CaseRecord,
                     subject: str = "identity") -> IdentityRequest | None:
    since = utcnow() - timedelta(hours=IDENTITY_APPROVAL_HOURS)
    return db.scalar(select(IdentityRequest).where(
        IdentityRequest.case_pk == rec.id, IdentityRequest.requester_id == user.id,
        IdentityRequest.subject == subject,
        IdentityRequest.status == "approved", IdentityRequest.decided_at >= since,
    ).order_by(IdentityRequest.id.desc()).limit(1))


def view_identity(db: Session, user: User, rec: CaseRecord, box: IdentityBox) -> dict[str, Any]:
    """Decrypt only for a requester a custodian approved (within 24 h); every view is logged."""
    require(user, "identity.request", rec)
    req = approved_request(db, user, rec)
    if req is None:
        raise Forbidden("no approved identity request for you on this case")
    row = db.scalar(select(ReporterIdentity).where(ReporterIdentity.case_pk == rec.id))
    if row is None:
        raise NotFound("no identity stored")
    audit.record(db, user.username, "identity.view", rec.case_id, request=req.id)
    return box.open(row.ciphertext)


def view_original(db: Session, user: User, rec: CaseRecord, upload_id: int,
                  box: FileBox) -> tuple[str, bytes]:
    """A reporter's file as sent (its name and bytes), only for a requester a custodian
    approved (subject "originals", within 24 h). Every view is audited with the original's
    SHA-256, checked against the one recorded when it arrived."""
    require(user, "identity.request", rec)
    req = approved_request(db, user, rec, "originals")
    if req is None:
        raise Forbidden("no approved request for the original files on this case")
    up = db.get(ReporterUpload, upload_id)
    if up is None or up.case_pk != rec.id:
        raise NotFound("no such file")
    data = box.open(up.sealed)
    digest = hashlib.sha256(data).hexdigest()
    if digest != up.sha256:
        raise Invalid(f"the sealed original of file {upload_id} no longer matches its SHA-256")
    audit.record(db, user.username, "upload.original.view", rec.case_id, request=req.id,
                 upload=up.id, sha256=digest)
    return box.open(up.sealed_name).decode("utf-8", "replace"), data


def set_outcome_facts(db: Session, user: User, rec: CaseRecord, facts: dict[str, Any]) -> None:
    require(user, "outcome.assess", rec)
    rec.outcome_facts = facts
    audit.record(db, user.username, "outcome.assess", rec.case_id, facts=facts)


def list_users(db: Session, user: User) -> list[User]:
    require(user, "user.manage")
    return list(db.scalars(select(User).order_by(User.username)))


def set_active(db: Session, user: User, user_id: int, active: bool) -> None:
    """Deactivating ends the account's sessions and tokens: they are deleted, so reactivating
    the account later does not bring them back to life."""
    require(user, "user.manage")
    target = db.get(User, user_id)
    if target is None:
        raise NotFound("no such user")
    if target.id == user.id:
        raise Invalid("you cannot deactivate yourself")
    target.active = active
    if not active:
        db.execute(delete(ApiToken).where(ApiToken.user_id == target.id))
        db.execute(delete(StaffSession).where(StaffSession.user_id == target.id))
    audit.record(db, user.username, "user.activate" if active else "user.deactivate",
                 username=target.username)
