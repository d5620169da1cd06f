"""Reporter identity: encrypted at rest, shown only after a custodian approves a reasoned
request, and every view audited."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import Staff, login_page
from tipline.service import identity
from tipline.service.models import AuditEntry, ReporterIdentity
from tipline.service.runtime import Service


def test_key_file_is_created_outside_the_db_with_private_mode(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TIPLINE_IDENTITY_KEY", raising=False)
    key = identity.load_key(tmp_path / "data")
    path = tmp_path / "data" / "identity.key"
    assert path.read_bytes().strip() == key and path.stat().st_mode & 0o777 == 0o600
    assert identity.load_key(tmp_path / "data") == key
    env_key = Fernet.generate_key()
    monkeypatch.setenv("TIPLINE_IDENTITY_KEY", env_key.decode())
    assert identity.load_key(tmp_path / "data") == env_key
    box = identity.IdentityBox(env_key)
    with pytest.raises(identity.IdentityKeyError):
        identity.IdentityBox(key).open(box.seal({"name": "x"}))


def test_request_approve_view_audited(service: Service, staff_client: TestClient,
                                      team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["ivy"])
    r = staff_client.post("/intake", data={"csrf_token": csrf, "text": "Tip.",
                                           "name": "Wang Fang", "contact": "wf@example.org"})
    case_id = r.text.split('href="/cases/')[1].split('"')[0]
    with service.database.session() as db:
        row = db.scalar(select(ReporterIdentity))
        assert row is not None and b"Wang" not in row.ciphertext
    assert staff_client.get(f"/cases/{case_id}/identity").status_code == 403
    r = staff_client.post(f"/cases/{case_id}/identity/request",
                          data={"csrf_token": csrf, "reason": "short"}, follow_redirects=False)
    assert "error=" in r.headers["location"]  # a reason is required
    staff_client.post(f"/cases/{case_id}/identity/request",
                      data={"csrf_token": csrf, "reason": "Need to re-interview the reporter."})
    assert staff_client.get(f"/cases/{case_id}/identity").status_code == 403  # not approved
    assert staff_client.get("/identity-requests").status_code == 403  # not a custodian

    custodian = TestClient(staff_client.app)
    ccsrf = login_page(custodian, team["cus"])
    listing = custodian.get("/identity-requests").text
    assert "Need to re-interview the reporter." in listing
    assert custodian.get(f"/cases/{case_id}").status_code == 404  # no case content
    custodian.post("/identity-requests/1/decide", data={"csrf_token": ccsrf,
                   "decision": "approve", "reason": "Proportionate."})
    page = staff_client.get(f"/cases/{case_id}/identity")
    assert page.status_code == 200 and "Wang Fang" in page.text and "wf@example.org" in page.text
    staff_client.get(f"/cases/{case_id}/identity")
    with service.database.session() as db:
        actions = list(db.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("identity.%")).order_by(AuditEntry.seq)))
    assert actions == ["identity.request", "identity.approved", "identity.view",
                       "identity.view"]
    # a second investigator without approval still cannot see it
    sue = TestClient(staff_client.app)
    login_page(sue, team["sue"])
    assert sue.get(f"/cases/{case_id}/identity").status_code == 403


def test_a_server_database_needs_the_key_place_said(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 5: `tipline serve --db postgresql…` from another folder silently made a
    new key in ./var. Without TIPLINE_DATA_DIR or TIPLINE_IDENTITY_KEY it now refuses."""
    from tipline.service.config import Settings

    for name in ("TIPLINE_IDENTITY_KEY", "TIPLINE_DATA_DIR", "TIPLINE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(identity.IdentityKeyError, match="TIPLINE_DATA_DIR"):
        Settings.from_env("postgresql+psycopg://postgres@127.0.0.1/test")
    assert Settings.from_env("sqlite:///x.sqlite3").db_url == "sqlite:///x.sqlite3"
    monkeypatch.setenv("TIPLINE_DATA_DIR", "/srv/tipline")
    assert Settings.from_env("postgresql+psycopg://postgres@127.0.0.1/test")


def test_no_new_key_beside_data_sealed_with_another(
        service: Service, team: dict[str, Staff], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Started from another folder, a service over a database holding sealed TOTP secrets
    refuses to make a new key (which would answer every staff login with 500)."""
    import dataclasses

    from tipline.service.runtime import open_service

    monkeypatch.delenv("TIPLINE_IDENTITY_KEY", raising=False)
    elsewhere = dataclasses.replace(service.settings, data_dir=tmp_path / "elsewhere")
    with pytest.raises(identity.IdentityKeyError, match="sealed"):
        open_service(elsewhere, migrate_schema=False)
    assert not (tmp_path / "elsewhere" / "identity.key").exists()
