"""The hash-chained audit log: every read, change, login and identity access; tamper checks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from tests.service.conftest import Staff, token_for
from tipline.service import audit
from tipline.service.models import AuditEntry, AuditHead
from tipline.service.runtime import Service

CASE = {"id": "aud-1", "received_at": "2025-01-01T10:00:00+00:00",
        "people": [{"id": "P1", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "text": "Cash changed hands."}]}


def _actions(service: Service) -> list[str]:
    with service.database.session() as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_reads_changes_and_logins_are_logged(service: Service, staff_client: TestClient,
                                             team: dict[str, Staff]) -> None:
    h = token_for(staff_client, team["ivy"])
    staff_client.post("/api/v1/auth/token", json={"username": "ivy", "password": "wrong"})
    staff_client.post("/api/v1/cases", json=CASE, headers=h)
    staff_client.get("/api/v1/cases/aud-1", headers=h)
    staff_client.post("/api/v1/cases/aud-1/statements", headers=h,
                      json={"by": "P1", "text": "More."})
    assert _actions(service) == ["login", "login.failed", "case.create", "case.view",
                                 "statement.add"]
    with service.database.session() as db:
        assert audit.verify(db).ok


def test_alteration_deletion_and_truncation_are_named(service: Service) -> None:
    with service.database.session() as db:
        for i in range(5):
            audit.record(db, "ivy", "case.view", f"c{i}")
    with service.database.session() as db:
        v = audit.verify(db)
        assert v.ok and v.checked == 5
        db.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="mallory"))
    with service.database.session() as db:
        v = audit.verify(db)
        assert not v.ok and v.seq == 3 and "altered" in v.problem
        db.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="ivy"))
        assert audit.verify(db).ok
        db.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    with service.database.session() as db:
        v = audit.verify(db)
        assert not v.ok and v.seq == 2 and "missing" in v.problem
    with service.database.session() as db:  # rebuild 1..5, then cut the tail
        db.execute(delete(AuditEntry))
        db.execute(delete(AuditHead))
    with service.database.session() as db:
        for i in range(3):
            audit.record(db, "ivy", "case.view", f"c{i}")
    with service.database.session() as db:
        db.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    with service.database.session() as db:
        v = audit.verify(db)
        assert not v.ok and v.seq == 3


def test_a_full_rewrite_is_caught_by_an_anchor(service: Service) -> None:
    """Rewriting every hash from entry 2 on leaves a consistent chain; only a tip kept
    outside the database shows it."""
    with service.database.session() as db:
        for i in range(4):
            audit.record(db, "ivy", "case.view", f"c{i}")
    with service.database.session() as db:
        before = audit.verify(db)
    assert before.ok and before.tip.startswith("4:")
    anchor = audit.parse_anchor(before.tip)
    with service.database.session() as db:
        entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        prev = entries[0].hash
        for e in entries[1:]:
            e.actor = "mallory" if e.seq == 2 else e.actor
            e.prev_hash = prev
            e.hash = audit.entry_hash(prev, audit.entry_content(e))
            prev = e.hash
        db.execute(update(AuditHead).values(hash=prev))
    with service.database.session() as db:
        assert audit.verify(db).ok  # self-consistent again
        v = audit.verify(db, [anchor])
        assert not v.ok and v.seq == 4 and "rewritten" in v.problem
        v = audit.verify(db, [(9, anchor[1])])
        assert not v.ok and "gone" in v.problem


@pytest.mark.parametrize("text", ["", "4", "4:abc", "x:" + "0" * 64, "0:" + "0" * 64,
                                  "4:" + "G" * 64])
def test_bad_anchor_text(text: str) -> None:
    with pytest.raises(ValueError, match="not an anchor"):
        audit.parse_anchor(text)


def test_failed_change_leaves_no_audit_entry(service: Service, staff_client: TestClient,
                                             team: dict[str, Staff]) -> None:
    h = token_for(staff_client, team["ivy"])
    before = len(_actions(service))
    r = staff_client.post("/api/v1/cases", json=CASE | {"statements": []}, headers=h)
    assert r.status_code == 422
    assert len(_actions(service)) == before


def test_an_entry_joins_the_chain_as_its_transaction_commits(service: Service,
                                                             backend: str) -> None:
    """Issue 14: the chain's head is locked from an append to its commit. Recorded entries
    wait for the commit, so a request that records early and then renders its page no
    longer holds every other audited request behind it. Savepoints keep their meaning."""
    import threading

    before = len(_actions(service))
    with service.database.session() as db:
        audit.record(db, "ann", "first")
        with pytest.raises(RuntimeError), db.begin_nested():
            audit.record(db, "ann", "refused inside a savepoint")
            raise RuntimeError("the savepoint rolls back")
        with db.begin_nested():
            audit.record(db, "ann", "kept from a savepoint")
        if backend == "postgresql":  # SQLite has one writer: the open transaction holds it
            other = threading.Thread(target=lambda: _record_alone(service, "bob", "meanwhile"))
            other.start()
            other.join(timeout=10)
            assert not other.is_alive(), "another request waited for this one's commit"
        audit.record(db, "ann", "last")
    with service.database.session() as db:
        with pytest.raises(RuntimeError), service.database.session() as failed:
            audit.record(failed, "ann", "rolled back")
            raise RuntimeError("the request fails")
        assert audit.verify(db).ok
    expected = ["first", "kept from a savepoint", "last"]
    if backend == "postgresql":
        expected = ["meanwhile", *expected]
    assert _actions(service)[before:] == expected


def _record_alone(service: Service, actor: str, action: str) -> None:
    with service.database.session() as db:
        db.execute(select(AuditHead.seq))  # a request that has read something first
        audit.record(db, actor, action)
