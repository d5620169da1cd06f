"""The append-only audit log: each entry hashes the previous hash plus its own canonical JSON.

Editing any entry breaks its own hash; deleting one leaves a gap in `seq` and breaks the next
entry's `prev_hash`; truncating the tail disagrees with `audit_head`. `verify` names the first
entry that fails.

Someone with write access to the whole database could still rewrite every hash from some entry
on. Anchors close that: `verify` reports the tip (`SEQ:HASH`); kept outside the database (a
printout, a ticket, a mail) and passed back later, it must still be in the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from tipline.service.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def canonical(content: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same content always hashes the same."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(content)).hexdigest()


def entry_content(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "case_id": e.case_id, "detail": e.detail}


def ensure_head(db: Session) -> None:
    if db.get(AuditHead, 1) is None:
        db.add(AuditHead(id=1, seq=0, hash=GENESIS))
        db.flush()


def record(db: Session, actor: str, action: str, case_id: str | None = None,
           **detail: Any) -> None:
    """Add one entry to the caller's transaction: it joins the chain as the transaction
    commits, so a change and its audit commit together (or not at all).

    Appending locks the chain's head until the commit. Taken here, that lock was held through
    whatever the request did next, its page rendered included, and under load every audited
    request queued behind it: on PostgreSQL, under the load tool's attack, a third of the
    request threads' time was that wait. Queued, the head is locked for the append's three
    statements and the commit. An entry added inside a savepoint that is rolled back is
    dropped with it."""
    if not db.in_transaction():
        db.begin()  # so the session has a transaction to commit (it connects when it must)
    db.info.setdefault(_QUEUE, []).append(
        (actor, action, case_id, json.loads(canonical(detail))))


def append(db: Session, actor: str, action: str, case_id: str | None = None,
           **detail: Any) -> AuditEntry:
    """Append one entry now, in the caller's transaction, and return it (with its `seq` and
    hash: a backup's manifest names its own entry). Holds the chain's head until the commit:
    `record` is for everything else.

    Bumping the head row first takes a write lock on both SQLite and PostgreSQL, so two
    concurrent appends cannot both chain onto the same previous hash; the bump returns the
    head, so the lock is held for two statements and the insert, not five."""
    return _append(db, actor, action, case_id, json.loads(canonical(detail)))


def _append(db: Session, actor: str, action: str, case_id: str | None,
            detail: Any) -> AuditEntry:
    bump = update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1) \
        .returning(AuditHead.seq, AuditHead.hash)
    head = db.execute(bump, execution_options={"synchronize_session": False}).one_or_none()
    if head is None:  # a database made without open_service (which writes the head)
        ensure_head(db)
        head = db.execute(bump, execution_options={"synchronize_session": False}).one()
    entry = AuditEntry(seq=head.seq, at=datetime.now(UTC).isoformat(timespec="microseconds"),
                       actor=actor, action=action, case_id=case_id, detail=detail,
                       prev_hash=head.hash, hash="")
    entry.hash = entry_hash(head.hash, entry_content(entry))
    db.add(entry)
    db.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=entry.hash))
    db.flush()
    return entry


_QUEUE = "tipline.audit.queued"  # Session.info: entries waiting for their transaction's commit
_MARKS = "tipline.audit.savepoints"  # Session.info: queue length when each savepoint began


@event.listens_for(Session, "before_commit")
def _append_queued(db: Session) -> None:
    if db.in_nested_transaction():  # a savepoint released: the entries wait for the commit
        return
    queued = db.info.pop(_QUEUE, None)
    if queued:
        db.flush()  # the transaction's own writes first: the head is locked after them
        for actor, action, case_id, detail in queued:
            _append(db, actor, action, case_id, detail)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(db: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        db.info.setdefault(_MARKS, {})[id(transaction)] = len(db.info.get(_QUEUE, ()))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(db: Session, transaction: SessionTransaction) -> None:
    if not transaction.nested:
        db.info.pop(_QUEUE, None)
        return
    mark = db.info.get(_MARKS, {}).pop(id(transaction), None)
    if mark is not None:
        del db.info.get(_QUEUE, [])[mark:]


@event.listens_for(Session, "after_transaction_end")
def _forget_savepoints(db: Session, transaction: SessionTransaction) -> None:
    if not transaction.nested:  # (a savepoint's own end comes before its soft rollback)
        db.info.pop(_MARKS, None)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None
    tip: str = ""  # "SEQ:HASH" of the last entry, to keep outside the database as an anchor


def parse_anchor(text: str) -> tuple[int, str]:
    """'SEQ:HASH' -> (seq, hash); ValueError with the reason otherwise."""
    seq, _, digest = text.strip().partition(":")
    if not seq.isdigit() or int(seq) < 1 or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"{text!r} is not an anchor: expected SEQ:HASH (64 hex digits)")
    return int(seq), digest


def verify(db: Session, anchors: Sequence[tuple[int, str]] = ()) -> Verdict:
    """Walk the chain in order; stop at the first entry that was altered, removed or added,
    then check that each anchor (seq, hash) recorded earlier is still part of the chain."""
    verdict, seen = _walk(db, {seq for seq, _ in anchors})
    if not verdict.ok:
        return verdict
    for seq, digest in sorted(anchors):
        if seq not in seen:
            return Verdict(False, verdict.checked, f"anchored entry {seq} is gone: the log "
                           f"now ends at entry {verdict.checked}", seq)
        if seen[seq] != digest:
            return Verdict(False, verdict.checked, f"entry {seq} no longer has the hash "
                           "recorded outside the database: the log was rewritten at or before "
                           "it", seq)
    return verdict


def _walk(db: Session, wanted: set[int]) -> tuple[Verdict, dict[int, str]]:
    """The chain walk; also returns the hashes of the entries in `wanted` (anchored seqs)."""
    seen: dict[int, str] = {}
    prev, expected_seq, count = GENESIS, 1, 0
    for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if e.seq != expected_seq:
            return Verdict(False, count, f"entry {expected_seq} is missing (deleted); the "
                           f"chain jumps from {expected_seq - 1} to {e.seq}", expected_seq), seen
        if e.prev_hash != prev:
            return Verdict(False, count, f"entry {e.seq} does not chain onto entry {e.seq - 1} "
                           "(an earlier entry was altered or replaced)", e.seq), seen
        if entry_hash(prev, entry_content(e)) != e.hash:
            return Verdict(False, count, f"entry {e.seq} was altered: its content no longer "
                           "matches its hash (what it says now, which may be the forgery: "
                           f"{e.action!r} by {e.actor!r} at {e.at!r})", e.seq), seen
        if e.seq in wanted:
            seen[e.seq] = e.hash
        prev, expected_seq, count = e.hash, e.seq + 1, count + 1
    head = db.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        missing = count + 1
        return Verdict(False, count, f"entries after {count} are missing: the head records "
                       f"{head.seq} entries", missing), seen
    return Verdict(True, count, tip=f"{count}:{prev}" if count else ""), seen
