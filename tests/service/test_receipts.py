"""Receipts are stored as keyed hashes (HMAC-SHA256 under a key derived from the identity key);
argon2 receipt hashes written by earlier versions still open and are rewritten at their next
correct check; wrong receipts are refused and the stored value never holds the receipt."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tipline.service.intake import receipts
from tipline.service.models import Report
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service


def _stored(service: Service) -> str:
    with service.database.read() as db:
        stored = db.scalar(select(Report.receipt_hash))
    assert stored is not None
    return stored


def _near_miss(receipt: str) -> str:
    """Same lookup prefix, one secret character changed: a real hash check, and a wrong one."""
    return receipt[:-1] + ("0" if receipt[-1] != "0" else "1")


def _submit(c: TestClient) -> str:
    r = c.post("/api/v1/reports", json={"text": "The clerk sells permits."})
    assert r.status_code == 201, r.text
    return str(r.json()["receipt"])


def test_a_new_receipt_is_a_tagged_keyed_hash_that_never_holds_the_receipt(
        service: Service) -> None:
    c = TestClient(create_reporter_app(service))
    receipt = _submit(c)
    stored = _stored(service)
    norm = receipts.normalise(receipt)
    assert norm is not None
    assert stored.startswith("hmac-sha256$") and len(stored) == len("hmac-sha256$") + 64
    for form in (receipt, norm, receipt.lower(), norm[receipts.PREFIX_LEN:]):
        assert form not in stored and stored != form
    # keyed: the same receipt under another key hashes differently
    assert receipts.hash_receipt(b"\0" * 32, norm) != stored
    assert c.get("/api/v1/followup", headers={"X-Receipt": receipt}).status_code == 200


def test_a_wrong_receipt_is_refused(service: Service) -> None:
    c = TestClient(create_reporter_app(service))
    receipt = _submit(c)
    before = _stored(service)
    for wrong in (_near_miss(receipt), "0000-0000-0000-0000-0000-0000", "not a receipt"):
        assert c.get("/api/v1/followup", headers={"X-Receipt": wrong}).status_code == 401
    assert c.post("/followup", data={"receipt": _near_miss(receipt)}).status_code == 401
    assert _stored(service) == before


def test_an_argon2_receipt_still_opens_and_is_upgraded_on_its_next_correct_check(
        service: Service) -> None:
    """A store written before keyed hashes: the receipt opens, and from then on it is a keyed
    hash; a wrong receipt against the argon2 hash is refused and upgrades nothing."""
    c = TestClient(create_reporter_app(service))
    receipt = _submit(c)
    norm = receipts.normalise(receipt)
    assert norm is not None
    old = service.hasher.hash(norm)  # what earlier versions stored
    with service.database.session() as db:
        db.execute(update(Report).values(receipt_hash=old))
    assert c.get("/api/v1/followup", headers={"X-Receipt": _near_miss(receipt)}
                 ).status_code == 401
    assert _stored(service) == old
    r = c.get("/api/v1/followup", headers={"X-Receipt": receipt})
    assert r.status_code == 200, r.text
    upgraded = _stored(service)
    assert upgraded == receipts.hash_receipt(service.receipt_key, norm)
    assert receipt not in upgraded and norm not in upgraded
    assert c.post("/followup", data={"receipt": receipt}).status_code == 200
    assert _stored(service) == upgraded


def test_a_stored_value_of_no_known_scheme_opens_nothing(service: Service) -> None:
    norm = receipts.normalise(receipts.new_receipt())
    assert norm is not None
    key = service.receipt_key
    for stored in ("", norm, "plain$" + norm, "hmac-sha256$ünïcode",
                   receipts.hash_receipt(key, norm).upper()):
        assert receipts.check(key, service.hasher, stored, norm) == receipts.Check(False)
    assert receipts.check(key, service.hasher, receipts.hash_receipt(key, norm), norm).matched
