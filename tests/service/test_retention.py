"""Retention: closed cases past their period are erased with everything hanging off them;
open cases and cases within their period are untouched; the audit chain stays whole."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.service.conftest import Staff, login_page
from tipline.service import audit
from tipline.service.casefiles import casework, retention
from tipline.service.intake import reports
from tipline.service.models import (
    Attachment,
    AuditEntry,
    CaseRecord,
    EvidenceRecord,
    Message,
    Note,
    Report,
    ReporterIdentity,
    StatementRecord,
    User,
    utcnow,
)
from tipline.service.runtime import Service


def _user(db: Session, name: str) -> User:
    user = db.scalar(select(User).where(User.username == name))
    assert user is not None
    return user


def _case(service: Service, disposition: str | None) -> str:
    """A reported case with an identity, evidence, an attachment, a note and a message;
    closed with `disposition` unless None."""
    with service.database.session() as db:
        new = reports.submit(service, db, text="The depot manager takes cash for permits.",
                             identity={"name": "Wen Li", "phone": "139 0000 0000"})
    with service.database.session() as db:
        sue = _user(db, "sue")
        rec = casework.open_case(db, sue, new.case_id, "case.edit")
        ref = casework.add_evidence(db, sue, rec, {"kind": "document", "text": "Permit log."})
        ev = db.scalar(select(EvidenceRecord).where(EvidenceRecord.ref == ref,
                                                    EvidenceRecord.case_pk == rec.id))
        assert ev is not None
        db.add(Attachment(evidence_pk=ev.id, filename="log.pdf", content_type="application/pdf",
                          size=3, sha256=hashlib.sha256(b"pdf").hexdigest(), data=b"pdf"))
        casework.add_note(db, sue, rec, "Called the depot.")
        casework.reply(db, sue, rec, "Thank you, we are looking into it.")
        if disposition:
            casework.change_status(db, sue, rec, "closed", disposition, "Checked the permit log.")
    return new.case_id


def _count(db: Session, model: type, case_id: str) -> int:
    rec_pk = select(CaseRecord.id).where(CaseRecord.case_id == case_id).scalar_subquery()
    if model is Attachment:
        q = select(func.count()).select_from(Attachment).join(EvidenceRecord).where(
            EvidenceRecord.case_pk == rec_pk)
    else:
        q = select(func.count()).select_from(model).where(model.case_pk == rec_pk)
    return int(db.scalar(q) or 0)


def test_review_dates_each_closed_case_by_its_disposition(service: Service,
                                                          team: dict[str, Staff]) -> None:
    unfounded = _case(service, "unfounded")
    substantiated = _case(service, "substantiated")
    _case(service, None)  # still open: never listed
    days = service.policies.workflow.retention_days
    with service.database.session() as db:
        kept = {k.case_id: k for k in retention.review(db)}
    assert set(kept) == {unfounded, substantiated}
    for case_id, disposition in ((unfounded, "unfounded"), (substantiated, "substantiated")):
        k = kept[case_id]
        assert k.disposition == disposition
        assert abs(k.closed_at - utcnow()) < timedelta(minutes=5)
        assert k.keep_until - k.closed_at == timedelta(days=days[disposition])
        assert not k.due(utcnow()) and k.due(k.keep_until)


def test_erase_removes_the_case_and_all_that_hangs_off_it(service: Service,
                                                          team: dict[str, Staff]) -> None:
    gone, stays = _case(service, "unfounded"), _case(service, "unfounded")
    with service.database.session() as db:
        for model in (StatementRecord, EvidenceRecord, Attachment, Report, ReporterIdentity,
                      Message, Note):
            assert _count(db, model, gone) >= 1, model
        target = next(k for k in retention.review(db) if k.case_id == gone)
        retention.erase(db, target, actor="cli")
    with service.database.session() as db:
        assert db.scalar(select(CaseRecord).where(CaseRecord.case_id == gone)) is None
        assert db.scalar(select(func.count()).select_from(ReporterIdentity)) == 1
        assert db.scalar(select(func.count()).select_from(Attachment)) == 1
        assert db.scalar(select(func.count()).select_from(Report)) == 1
        assert _count(db, StatementRecord, stays) == 1 and _count(db, Note, stays) == 1
        verdict = audit.verify(db)
        assert verdict.ok, verdict.problem
        erased = db.scalars(select(AuditEntry).where(AuditEntry.action == "case.erased")).all()
        assert [e.case_id for e in erased] == [gone]
        assert erased[0].detail["disposition"] == "unfounded"
        assert "Wen Li" not in str(erased[0].detail)


def test_run_erases_only_what_is_due(service: Service, team: dict[str, Staff]) -> None:
    short, long_, open_ = (_case(service, "unfounded"), _case(service, "false_report"),
                           _case(service, None))
    days = service.policies.workflow.retention_days
    later = utcnow() + timedelta(days=days["unfounded"] + 1)
    assert days["false_report"] > days["unfounded"] + 1
    sweep = retention.run(service.database, later, apply=False, actor="cli")
    assert [k.case_id for k in sweep.due] == [short] and sweep.within == 1 and not sweep.held
    with service.database.session() as db:  # listing changed nothing
        assert db.scalar(select(func.count()).select_from(CaseRecord)) == 3
    retention.run(service.database, later, apply=True, actor="cli")
    with service.database.session() as db:
        left = set(db.scalars(select(CaseRecord.case_id)))
        assert left == {long_, open_}
        assert audit.verify(db).ok
    again = retention.run(service.database, later, apply=True, actor="cli")
    assert again.due == []  # nothing twice


def test_legal_hold_keeps_a_case_past_its_period(service: Service,
                                                 team: dict[str, Staff]) -> None:
    held, free = _case(service, "unfounded"), _case(service, "unfounded")
    later = utcnow() + timedelta(days=service.policies.workflow.retention_days["unfounded"] + 1)
    with service.database.session() as db:
        sue, ivy = _user(db, "sue"), _user(db, "ivy")
        rec = casework.open_case(db, sue, held, "case.hold")
        with pytest.raises(casework.Invalid, match="say why"):
            casework.set_hold(db, sue, rec, "court")
        with pytest.raises(casework.Forbidden):
            casework.set_hold(db, ivy, rec, "An investigator may not place holds.")
        casework.set_hold(db, sue, rec, "Proceedings against the subject, court ref 2026/118.")
    sweep = retention.run(service.database, later, apply=True, actor="cli")
    assert [k.case_id for k in sweep.due] == [free]
    assert [(k.case_id, k.hold) for k in sweep.held] == [
        (held, "Proceedings against the subject, court ref 2026/118.")]
    with service.database.session() as db:
        assert set(db.scalars(select(CaseRecord.case_id))) == {held}
        rec = casework.open_case(db, _user(db, "sue"), held, "case.hold")
        casework.set_hold(db, _user(db, "sue"), rec, "")  # lifted
    with service.database.session() as db:  # audit entries join the chain as they commit
        actions = db.scalars(select(AuditEntry.action).where(AuditEntry.case_id == held)).all()
        assert "case.hold" in actions and "case.release" in actions
    assert [k.case_id for k in retention.run(service.database, later, True, "cli").due] == [held]


def test_cli_lists_and_erases_nothing_before_its_time(service: Service,
                                                      team: dict[str, Staff]) -> None:
    case_id = _case(service, "unfounded")
    env = {**os.environ, "TIPLINE_DATABASE_URL": service.settings.db_url,
           "TIPLINE_DATA_DIR": str(service.settings.data_dir)}
    for flags in ([], ["--apply"]):
        out = subprocess.run([sys.executable, "-m", "tipline", "retention", *flags],
                             capture_output=True, text=True, env=env, check=False)
        assert out.returncode == 0, out.stderr
        assert out.stdout == "" and "0 closed case(s)" in out.stderr
        assert "1 still within retention" in out.stderr
    with service.database.session() as db:
        assert db.scalar(select(CaseRecord).where(CaseRecord.case_id == case_id)) is not None


def test_closed_case_page_says_until_when_it_is_kept(service: Service, staff_client: TestClient,
                                                     team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["sue"])
    case_id = _case(service, None)
    page = staff_client.get(f"/cases/{case_id}").text
    assert 'id="retention"' not in page  # open cases are not counted down
    r = staff_client.post(f"/cases/{case_id}/status", data={
        "csrf_token": csrf, "status": "closed", "disposition": "unfounded",
        "reasons": "The permit log shows nothing out of order."})
    assert r.status_code == 200, r.text
    days = service.policies.workflow.retention_days["unfounded"]
    until = (utcnow() + timedelta(days=days)).date().isoformat()
    page = staff_client.get(f"/cases/{case_id}").text
    assert 'id="retention"' in page and f"<strong>{until}</strong>" in page
    assert 'id="legal-hold"' not in page
    r = staff_client.post(f"/cases/{case_id}/hold", data={
        "csrf_token": csrf, "reason": "Disciplinary appeal <b>pending</b>."})
    assert r.status_code == 200
    page = staff_client.get(f"/cases/{case_id}").text
    assert 'id="legal-hold"' in page and "appeal &lt;b&gt;pending" in page
