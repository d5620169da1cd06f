"""Reports from reporters: intake (web, API, operator) and follow-up by receipt."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.case import case_from_mapping
from tipline.case.model import CHANNELS, LANGUAGES
from tipline.errors import TiplineError
from tipline.service import audit
from tipline.service.casefiles import cases
from tipline.service.intake import receipts
from tipline.service.models import CaseRecord, Message, Report, ReporterIdentity, User
from tipline.service.policy import policies
from tipline.service.runtime import Service


class ReportError(TiplineError):
    """A report that cannot be accepted as sent (the message says which field and why;
    `limit` is set when the text was too long and `code` names other refusals a reporter is
    told about ("unstorable", "closed"), so pages can say so in the reporter's words)."""

    def __init__(self, message: str, limit: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.limit = limit
        self.code = code


# NUL (PostgreSQL refuses it in text) and lone UTF-16 surrogates (no encoding can store them,
# yet JSON's "\ud800" decodes to one): refused up front with a 422 naming the field, never
# passed to the database to fail there with the text in the error.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_storable(field: str, value: str | None) -> None:
    if value and _UNSTORABLE.search(value):
        raise ReportError(f"{field}: contains a character that cannot be stored "
                          "(NUL or a lone surrogate)", code="unstorable")


@dataclass(frozen=True)
class NewReport:
    report_id: str
    receipt: str
    case_id: str


def submit(service: Service, db: Session, *, text: str, channel: str = "web",
           category: str | None = None, language: str | None = None,
           identity: dict[str, str] | None = None, operator: User | None = None) -> NewReport:
    """Open a case from a report; the receipt is returned once and only its keyed hash is
    kept (receipts.py says why a keyed hash, not argon2)."""
    text = (text or "").strip()
    if not text:
        raise ReportError("text: the report must not be empty")
    if len(text) > service.settings.max_report_chars:
        raise ReportError(f"text: longer than {service.settings.max_report_chars} characters",
                          limit=service.settings.max_report_chars)
    check_storable("text", text)
    check_storable("category", category)
    for key, value in (identity or {}).items():
        check_storable("identity", key + value)
    if channel not in CHANNELS:
        raise ReportError(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    if language and language not in LANGUAGES:
        raise ReportError(f"language: {language!r} is not one of {', '.join(LANGUAGES)}")
    receipt = receipts.new_receipt()
    norm = receipts.normalise(receipt)
    assert norm is not None
    receipt_hash = receipts.hash_receipt(service.receipt_key, norm)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    setting = f"{channel} report" + (f" taken by {operator.username}" if operator else "")
    obj: dict[str, Any] = {
        "id": cases.new_case_id(), "received_at": now, "channel": channel,
        "reporter": "P1", "people": [{"id": "P1", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "at": now, "setting": setting, "text": text}],
    }
    if category:
        obj["category"] = category.strip()[:200]
    if language:
        obj["language"] = language
    for attempt in range(5):  # a new id is 3 random bytes a day: two reports can draw one
        try:
            rec = cases.store_case(db, case_from_mapping(obj, source="report"),
                                   assigned_to=operator if operator and
                                   operator.role == "investigator" else None)
            break
        except cases.CaseExists:  # checked before anything is stored: draw again
            if attempt == 4:
                raise
            obj["id"] = cases.new_case_id()
    report = Report(report_id=secrets.token_urlsafe(9), case_pk=rec.id,
                    receipt_prefix=receipts.prefix(norm), receipt_hash=receipt_hash)
    db.add(report)
    if identity and any(v.strip() for v in identity.values()):
        db.add(ReporterIdentity(case_pk=rec.id, ciphertext=service.identity.seal(identity)))
    audit.record(db, operator.username if operator else "reporter", "report.submit",
                 rec.case_id, channel=channel, report_id=report.report_id,
                 identity_given=bool(identity and any(v.strip() for v in identity.values())))
    return NewReport(report.report_id, receipt, rec.case_id)


@dataclass(frozen=True)
class Opened:
    """The report a receipt opened; `upgrade` is the keyed hash to store in place of `stored`
    when the receipt matched a hash of an older scheme (argon2)."""

    report_pk: int
    stored: str
    upgrade: str | None = None

    def apply_upgrade(self, report: Report) -> None:
        """Rewrite an older-scheme hash in the caller's transaction, unless the row changed."""
        if self.upgrade and report.id == self.report_pk and report.receipt_hash == self.stored:
            report.receipt_hash = self.upgrade


def find_by_receipt(service: Service, receipt: str) -> Opened | None:
    """The report this receipt opens: one hash check per stored report sharing the
    4-character prefix (usually one; none for a prefix nobody has, the usual wrong guess).

    The candidates are read in a short transaction of their own and checked after it ends, so
    a guess never holds a database lock while it hashes (an argon2 hash left by an earlier
    version takes a while)."""
    norm = receipts.normalise(receipt or "")
    if norm is None:
        return None
    with service.database.read() as db:
        candidates = db.execute(select(Report.id, Report.receipt_hash).where(
            Report.receipt_prefix == receipts.prefix(norm))).all()
    for report_pk, receipt_hash in candidates:
        result = receipts.check(service.receipt_key, service.hasher, receipt_hash, norm)
        if result.matched:
            return Opened(int(report_pk), receipt_hash, result.upgrade)
    return None


def stage_for_reporter(rec: CaseRecord) -> tuple[str, str | None]:
    """Reporters see the workflow stage, and the disposition once closed (no internal notes)."""
    closed = rec.status == policies().workflow.closing
    return rec.status, rec.disposition if closed and rec.disposition else None


def status_for_reporter(rec: CaseRecord) -> str:
    """The stage as one string for the API: "investigating", "closed: unfounded"."""
    status, disposition = stage_for_reporter(rec)
    return f"{status}: {disposition}" if disposition else status


def messages(db: Session, case_pk: int) -> list[dict[str, Any]]:
    rows = db.scalars(select(Message).where(Message.case_pk == case_pk).order_by(Message.id))
    return [{"from": m.author, "text": m.text, "at": m.created_at.isoformat(timespec="seconds")}
            for m in rows]


def reporter_message(db: Session, report: Report, text: str, max_chars: int) -> None:
    """A follow-up from the reporter is both a message and a new statement to analyse. A closed
    case takes none: nobody would read it, so the reporter is told instead."""
    if report.case.status == policies().workflow.closing:
        raise ReportError("case: closed; it takes no more messages (make a new report)",
                          code="closed")
    text = (text or "").strip()
    if not text:
        raise ReportError("text: the message must not be empty")
    if len(text) > max_chars:
        raise ReportError(f"text: longer than {max_chars} characters", limit=max_chars)
    check_storable("text", text)
    rec = report.case
    db.add(Message(case_pk=rec.id, author="reporter", text=text))
    by = rec.reporter or (rec.people[0].ref if rec.people else None)
    if by is not None:
        cases.add_statement(db, rec, {"by": by, "text": text, "setting": "follow-up message",
                                      "at": datetime.now(UTC).isoformat(timespec="seconds")})
    audit.record(db, "reporter", "report.message", rec.case_id, report_id=report.report_id)
