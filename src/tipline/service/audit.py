"""The append-only audit log: each entry hashes the previous hash plus its own canonical JSON.

Editing any entry breaks its own hash; deleting one leaves a gap in `seq` and breaks the next
entry's `prev_hash`; truncating the tail disagrees with `audit_head`. `verify` names the first
entry that fails.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tipline.service.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same content always hashes the same."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(content)).hexdigest()


def _content(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "case_id": e.case_id, "detail": e.detail}


def ensure_head(db: Session) -> None:
    if db.get(AuditHead, 1) is None:
        db.add(AuditHead(id=1, seq=0, hash=GENESIS))
        db.flush()


def record(db: Session, actor: str, action: str, case_id: str | None = None,
           **detail: Any) -> AuditEntry:
    """Append one entry in the caller's transaction, so a change and its audit commit together.

    Bumping the head row first takes a write lock on both SQLite and PostgreSQL, so two
    concurrent appends cannot both chain onto the same previous hash.
    """
    ensure_head(db)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = db.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    entry = AuditEntry(seq=head.seq, at=datetime.now(UTC).isoformat(timespec="microseconds"),
                       actor=actor, action=action, case_id=case_id,
                       detail=json.loads(canonical(detail)), prev_hash=head.hash, hash="")
    entry.hash = entry_hash(head.hash, _content(entry))
    db.add(entry)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash))
    db.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def verify(db: Session) -> Verdict:
    """Walk the chain in order; stop at the first entry that was altered, removed or added."""
    prev, expected_seq, count = GENESIS, 1, 0
    for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if e.seq != expected_seq:
            return Verdict(False, count, f"entry {expected_seq} is missing (deleted); the "
                           f"chain jumps from {expected_seq - 1} to {e.seq}", expected_seq)
        if e.prev_hash != prev:
            return Verdict(False, count, f"entry {e.seq} does not chain onto entry {e.seq - 1} "
                           "(an earlier entry was altered or replaced)", e.seq)
        if entry_hash(prev, _content(e)) != e.hash:
            return Verdict(False, count, f"entry {e.seq} ({e.action} by {e.actor} at {e.at}) "
                           "was altered: its content no longer matches its hash", e.seq)
        prev, expected_seq, count = e.hash, e.seq + 1, count + 1
    head = db.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        missing = count + 1
        return Verdict(False, count, f"entries after {count} are missing: the head records "
                       f"{head.seq} entries", missing)
    return Verdict(True, count)
