"""`tipline backup` / `tipline restore`: a round trip gives back the same store with an audit
chain that verifies; a damaged archive, or a non-empty store without --force, is refused and
changes nothing; the key is never in the archive, and a restore under another key says so."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.service.conftest import Staff, fast_settings, fresh_database
from tipline.service import audit, backup, commands
from tipline.service.casefiles import casework
from tipline.service.db import Database
from tipline.service.identity import IdentityBox, IdentityKeyError
from tipline.service.intake import reports
from tipline.service.models import (
    Attachment,
    EvidenceRecord,
    ReporterIdentity,
    User,
)
from tipline.service.runtime import Service, open_service


def _store(service: Service) -> str:
    """A case with a sealed identity, statements, evidence, an attachment, a note, a reply."""
    with service.database.session() as db:
        new = reports.submit(service, db, text="The depot manager takes cash for permits.",
                             identity={"name": "Wen Li", "phone": "139 0000 0000"})
    with service.database.session() as db:
        sue = db.scalar(select(User).where(User.username == "sue"))
        assert sue is not None
        rec = casework.open_case(db, sue, new.case_id, "case.edit")
        casework.add_statement(db, sue, rec, {"by": "P1", "text": "I paid 500 yuan 在这里."})
        ref = casework.add_evidence(db, sue, rec, {"kind": "document", "text": "Permit log."})
        ev = db.scalar(select(EvidenceRecord).where(EvidenceRecord.ref == ref,
                                                    EvidenceRecord.case_pk == rec.id))
        assert ev is not None
        blob = bytes(range(256)) * 4
        db.add(Attachment(evidence_pk=ev.id, filename="log.pdf", content_type="application/pdf",
                          size=len(blob), sha256=hashlib.sha256(blob).hexdigest(), data=blob))
        casework.add_note(db, sue, rec, "Called the depot.")
        casework.reply(db, sue, rec, "Thank you, we are looking into it.")
    return new.case_id


def _export(url: str) -> dict[str, list[dict[str, Any]]]:
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            return backup.export(conn)
    finally:
        database.dispose()


def _verify(url: str) -> audit.Verdict:
    database = Database(url)
    try:
        with database.session() as db:
            return audit.verify(db)
    finally:
        database.dispose()


def _without_restore_entry(data: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The store as it was before the restore appended its own audit entry."""
    assert data["audit_log"][-1]["action"] == "backup.restore"
    return {**data, "audit_log": data["audit_log"][:-1], "audit_head": []}


@pytest.fixture
def keyed(service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands find the service's key where the service keeps it."""
    monkeypatch.delenv("TIPLINE_IDENTITY_KEY", raising=False)
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path))
    return tmp_path / "identity.key"


@pytest.fixture
def target(backend: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same backend to restore into."""
    with fresh_database(backend, tmp_path) as url:
        yield url


def test_round_trip_restores_the_same_store_and_a_chain_that_verifies(
        service: Service, team: dict[str, Staff], keyed: Path, target: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    case_id = _store(service)
    with service.database.session() as db:
        receipt = reports.submit(service, db, text="A second report.").receipt
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(service.settings.db_url, archive) == 0
    assert archive.stat().st_mode & 0o077 == 0
    key = keyed.read_bytes().strip()
    with tarfile.open(archive, "r:gz") as tar:  # the key is not in it, in any form
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            assert handle is not None
            assert key not in handle.read()

    assert commands.restore(target, archive, force=False) == 0
    assert "WARNING" not in capsys.readouterr().err
    original, restored = _export(service.settings.db_url), _export(target)
    assert original["audit_log"][-1]["action"] == "backup.create"
    assert _without_restore_entry(restored) == {**original, "audit_head": []}
    assert {t: len(r) for t, r in original.items() if r}.keys() >= {
        "cases", "statements", "attachments", "users", "audit_log", "reporter_identities"}
    verdict = _verify(target)
    assert verdict.ok and verdict.checked == len(original["audit_log"]) + 1

    # the restored service opens the sealed identity with the original key, and new rows get
    # fresh ids (PostgreSQL's sequences follow the restored rows)
    svc = open_service(fast_settings(target, tmp_path), migrate_schema=False)
    try:
        with svc.database.session() as db:
            sealed = db.scalar(select(ReporterIdentity.ciphertext))
            assert sealed is not None
            assert svc.identity.open(sealed)["name"] == "Wen Li"
            sue = db.scalar(select(User).where(User.username == "sue"))
            assert sue is not None
            rec = casework.open_case(db, sue, case_id, "case.edit")
            casework.add_note(db, sue, rec, "After the restore.")
        # receipts are keyed hashes under a key derived from the identity key: still open
        assert reports.find_by_receipt(svc, receipt) is not None
    finally:
        svc.database.dispose()
    assert _verify(target).ok


def test_restore_under_another_key_warns_and_the_identity_stays_sealed(
        service: Service, team: dict[str, Staff], keyed: Path, target: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _store(service)
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(service.settings.db_url, archive) == 0
    other = Fernet.generate_key()
    monkeypatch.setenv("TIPLINE_IDENTITY_KEY", other.decode())
    capsys.readouterr()
    assert commands.restore(target, archive, force=False) == 0
    err = capsys.readouterr().err
    assert "not the key this backup was made with" in err
    assert "cannot be opened without the original key" in err
    assert "receipts no longer open" in err
    restored = _export(target)
    assert _without_restore_entry(restored)["cases"] == _export(
        service.settings.db_url)["cases"]
    assert restored["audit_log"][-1]["detail"]["key_matches"] is False
    database = Database(target)
    try:
        with database.session() as db:
            sealed = db.scalar(select(ReporterIdentity.ciphertext))
    finally:
        database.dispose()
    assert sealed is not None
    with pytest.raises(IdentityKeyError):
        IdentityBox(other).open(sealed)
    assert _verify(target).ok


def _rewrite(archive: Path, member: str, edit: Any) -> None:
    """Rewrite one member of the archive in place, keeping the others as they were."""
    with tarfile.open(archive, "r:gz") as tar:
        items = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(archive, "w:gz") as tar:
        for info, data in items:
            if info.name == member:
                data = edit(data)
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_a_tampered_or_damaged_archive_is_refused_and_changes_nothing(
        service: Service, team: dict[str, Staff], keyed: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    _store(service)
    url = service.settings.db_url
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(url, archive) == 0
    before = _export(url)
    capsys.readouterr()

    _rewrite(archive, "tables/statements.jsonl", lambda d: d.replace(b"500 yuan", b"50 yuan"))
    assert commands.restore(url, archive, force=True) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "checksum mismatch in tables/statements.jsonl" in err

    # an edit that also fixes the manifest's checksum is caught by the manifest's HMAC
    assert commands.backup(url, archive) == 0
    before = _export(url)
    line_edit = (b"500 yuan", b"50 yuan")
    with tarfile.open(archive, "r:gz") as tar:
        stmts = tar.extractfile("tables/statements.jsonl").read()  # type: ignore[union-attr]
    forged = stmts.replace(*line_edit)
    _rewrite(archive, "tables/statements.jsonl", lambda d: forged)
    _rewrite(archive, "manifest.json", lambda d: d.replace(
        hashlib.sha256(stmts).hexdigest().encode(), hashlib.sha256(forged).hexdigest().encode()))
    capsys.readouterr()
    assert commands.restore(url, archive, force=True) == 2
    assert "HMAC does not match (tampered)" in capsys.readouterr().err

    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert commands.restore(url, archive, force=True) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refusing the archive" in err
    assert _export(url) == before
    assert _verify(url).ok


def test_restore_onto_a_store_in_use_needs_force(
        service: Service, team: dict[str, Staff], keyed: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(backup, "BATCH", 2)  # many small batches, and one per attachment
    monkeypatch.setattr(backup, "BATCH_BYTES", 100)
    _store(service)
    _store(service)
    url = service.settings.db_url
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(url, archive) == 0
    snapshot = _export(url)
    _store(service)  # the store moves on after the backup
    later = _export(url)
    capsys.readouterr()
    assert commands.restore(url, archive, force=False) == 2
    assert "not empty" in capsys.readouterr().err
    assert _export(url) == later

    assert commands.restore(url, archive, force=True) == 0
    assert _without_restore_entry(_export(url)) == {**snapshot, "audit_head": []}
    assert _verify(url).ok


def test_a_restore_that_fails_midway_leaves_the_target_as_it_was(
        service: Service, team: dict[str, Staff], keyed: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _store(service)
    url = service.settings.db_url
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(url, archive) == 0
    _store(service)
    before = _export(url)
    real = backup._load

    def failing(tar: Any, member: str, table: Any) -> Any:
        if table.name == "statements":
            raise OSError("disk went away")
        return real(tar, member, table)

    monkeypatch.setattr(backup, "_load", failing)
    assert commands.restore(url, archive, force=True) == 2
    assert "disk went away" in capsys.readouterr().err
    assert _export(url) == before


def test_rows_forged_with_fresh_checksums_are_refused_when_no_key_can_check_the_manifest(
        service: Service, team: dict[str, Staff], keyed: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _store(service)
    url = service.settings.db_url
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(url, archive) == 0
    with tarfile.open(archive, "r:gz") as tar:
        stmts = tar.extractfile("tables/statements.jsonl").read()  # type: ignore[union-attr]
    forged = stmts + b'{"id": "not a number"}\n'
    _rewrite(archive, "tables/statements.jsonl", lambda d: forged)

    def fix_manifest(data: bytes) -> bytes:
        manifest = json.loads(data)
        entry = manifest["tables"]["statements"]
        entry["sha256"], entry["rows"] = hashlib.sha256(forged).hexdigest(), entry["rows"] + 1
        return json.dumps(manifest).encode()

    _rewrite(archive, "manifest.json", fix_manifest)
    monkeypatch.setenv("TIPLINE_IDENTITY_KEY", Fernet.generate_key().decode())
    before = _export(url)
    capsys.readouterr()
    assert commands.restore(url, archive, force=True) == 2
    assert "rows do not load" in capsys.readouterr().err
    assert _export(url) == before


def test_a_sqlite_backup_restores_onto_postgresql(
        service: Service, team: dict[str, Staff], keyed: Path, backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("one direction is enough: the archive does not depend on the database")
    _store(service)
    archive = tmp_path / "store.tar.gz"
    assert commands.backup(service.settings.db_url, archive) == 0
    with fresh_database("postgresql", tmp_path) as pg:
        assert commands.restore(pg, archive, force=False) == 0
        assert _without_restore_entry(_export(pg)) == {
            **_export(service.settings.db_url), "audit_head": []}
        assert _verify(pg).ok


def test_the_cli_wires_both_commands(service: Service, team: dict[str, Staff], keyed: Path,
                                     tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tipline.cli import app

    url = service.settings.db_url
    archive = tmp_path / "cli.tar.gz"
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(archive), "--db", url])
    assert made.exit_code == 0, made.output
    assert "identity key is NOT in it" in made.output
    assert runner.invoke(app, ["restore", str(archive), "--db", url]).exit_code == 2
    assert runner.invoke(app, ["restore", str(archive), "--db", url, "--force"]).exit_code == 0
    assert runner.invoke(app, ["restore", str(tmp_path / "missing.tar.gz"), "--db", url]
                         ).exit_code == 2
