"""`tipline backup` / `tipline restore`: the whole store in one archive, and back.

The archive is a gzipped tar: `manifest.json` first, then `tables/<name>.jsonl`, one JSON
object per row, for every table of the models in dependency order (attachments are blobs in
the `attachments` table, so they travel with it). It is a logical export through SQLAlchemy,
not `pg_dump` or a copy of the SQLite file: the same archive restores onto SQLite or
PostgreSQL, needs no server tools of a matching version, and restores inside one transaction.

The identity key is never written into the archive. The manifest records a fingerprint of it
(an HMAC of a fixed label under the key, which reveals nothing about the key) and an HMAC of
the manifest itself; a restore compares the fingerprint with the key it finds and, when they
match, also checks the manifest's HMAC. Each member's SHA-256 is in the manifest, so a
corrupted or edited member is refused before the target is touched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.types import Date, DateTime, LargeBinary, TypeDecorator

from tipline import __version__
from tipline.errors import TiplineError
from tipline.service import audit, migrate
from tipline.service.db import READ_ONLY, Database
from tipline.service.models import AuditHead, Base

FORMAT = "tipline-backup"
VERSION = 1
MANIFEST = "manifest.json"
FINGERPRINT_LABEL = b"tipline backup: identity key fingerprint v1"
MANIFEST_LABEL = b"tipline backup: manifest v1\x00"
# Rows per INSERT batch, and the most JSON (bytes) a batch may hold: an attachment can be
# megabytes, so a batch of them is cut short rather than held in memory 500 at a time.
BATCH = 500
BATCH_BYTES = 32 * 1024 * 1024


class BackupError(TiplineError):
    """An archive that cannot be written or restored: corrupt, tampered, or the wrong kind."""


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def _manifest_mac(key: bytes, manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_hmac"}
    return hmac.new(key, MANIFEST_LABEL + audit.canonical(body), hashlib.sha256).hexdigest()


def tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


# --- values <-> JSON -------------------------------------------------------------------------

def _encode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    base = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(base, LargeBinary):
        return base64.b64decode(value)
    if isinstance(base, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(base, Date):
        return date.fromisoformat(value)
    return value


def rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """A table's rows in primary-key order, as JSON-ready dicts."""
    order = list(table.primary_key.columns)
    query = select(table).order_by(*order).execution_options(yield_per=50)  # streamed
    for row in conn.execute(query).mappings():
        yield {c.name: _encode(c.type, row[c.name]) for c in table.columns}


def export(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every table as a list of JSON-ready rows (tests compare stores with it)."""
    return {t.name: list(rows(conn, t)) for t in tables()}


def is_empty(conn: Connection) -> bool:
    """No rows anywhere, but for the audit head of an empty chain (every start writes it)."""
    for t in tables():
        if t.name == AuditHead.__tablename__:
            if conn.scalar(select(func.max(t.c.seq))):
                return False
        elif conn.scalar(select(func.count()).select_from(t)):
            return False
    return True


# --- backup ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Made:
    path: Path
    rows: dict[str, int]
    keyed: bool


def _snapshot(database: Database) -> Connection:
    """A connection reading one consistent snapshot of every table."""
    if database.engine.dialect.name == "postgresql":
        return database.engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return database.engine.connect().execution_options(**{READ_ONLY: True})


def create(database: Database, path: Path, key: bytes | None, actor: str = "cli") -> Made:
    """Write the archive at `path` (mode 0600: it holds every report in clear). The
    `backup.create` audit entry is appended first, so the archive carries it and its chain
    tip; the archive itself appears only once complete (written beside it, then renamed)."""
    migrate.upgrade(database.engine)
    with database.session() as db:
        entry = audit.append(db, actor, "backup.create", file=path.name,
                             key_fingerprint=key_fingerprint(key) if key else None)
        tip = f"{entry.seq}:{entry.hash}"
    path = path.resolve()
    manifest: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "tipline_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database.engine.dialect.name,
        "audit_tip": tip,
        "key_fingerprint": key_fingerprint(key) if key else None,
        "tables": {},
    }
    with tempfile.TemporaryDirectory(prefix="tipline-backup-") as tmp:
        members: list[tuple[str, Path]] = []
        with _snapshot(database) as conn, conn.begin():
            manifest["alembic_revision"] = current_revision(conn)
            for table in tables():
                member = f"tables/{table.name}.jsonl"
                local = Path(tmp) / f"{table.name}.jsonl"
                digest, count = hashlib.sha256(), 0
                with local.open("wb") as out:
                    for row in rows(conn, table):
                        line = json.dumps(row, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                        digest.update(line)
                        out.write(line)
                        count += 1
                manifest["tables"][table.name] = {"member": member, "rows": count,
                                                  "sha256": digest.hexdigest()}
                members.append((member, local))
        if key:
            manifest["manifest_hmac"] = _manifest_mac(key, manifest)
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        partial = path.with_name(f".{path.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(body), 0o600
                tar.addfile(info, io.BytesIO(body))
                for member, local in members:
                    info = tarfile.TarInfo(member)
                    info.size, info.mode = local.stat().st_size, 0o600
                    with local.open("rb") as handle:
                        tar.addfile(info, handle)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    counts = {name: t["rows"] for name, t in manifest["tables"].items()}
    return Made(path, counts, key is not None)


# --- restore ---------------------------------------------------------------------------------

@dataclass
class Checked:
    manifest: dict[str, Any]
    key_matches: bool | None  # None: the archive records no key (nothing was sealed by one)
    rows: dict[str, int] = field(default_factory=dict)


def _bad(reason: str) -> BackupError:
    return BackupError(f"refusing the archive: {reason}")


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except FileNotFoundError:
        raise BackupError(f"no such archive: {path}") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise _bad(f"{path} is not a readable tipline backup ({exc})") from None


def check(path: Path, key: bytes | None, head: str) -> Checked:
    """Read the whole archive and check it before anything is written: the manifest, every
    member's SHA-256 and row count, no stray member, the schema revision, and, when the key
    matches, the manifest's HMAC."""
    try:
        with _open(path) as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members or not members[MANIFEST].isfile():
                raise _bad("no manifest.json: not a tipline backup")
            handle = tar.extractfile(members[MANIFEST])
            assert handle is not None
            try:
                manifest = json.loads(handle.read())
            except ValueError:
                raise _bad("manifest.json is not valid JSON (corrupted or edited)") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise _bad("manifest.json is not a tipline backup manifest")
            if manifest.get("version") != VERSION:
                raise _bad(f"backup format version {manifest.get('version')!r}; this tipline "
                           f"reads version {VERSION}")
            listed = manifest.get("tables")
            expected = {t.name for t in tables()}
            if not isinstance(listed, dict) or set(listed) != expected:
                raise _bad("the manifest does not list this schema's tables")
            for name, entry in listed.items():
                if not isinstance(entry, dict) or entry.get("member") != (
                        f"tables/{name}.jsonl") or not isinstance(entry.get("rows"), int):
                    raise _bad(f"the manifest's entry for table {name!r} is malformed")
            wanted = {MANIFEST} | {t["member"] for t in listed.values()}
            stray = sorted(set(members) - wanted)
            if stray:
                raise _bad(f"unexpected member {stray[0]!r} (tampered)")
            for entry in listed.values():
                member = members.get(entry["member"])
                if member is None or not member.isfile():
                    raise _bad(f"member {entry['member']!r} is missing")
                digest, count = hashlib.sha256(), 0
                data = tar.extractfile(member)
                assert data is not None
                for line in data:
                    digest.update(line)
                    count += 1
                if digest.hexdigest() != entry["sha256"] or count != entry["rows"]:
                    raise _bad(f"checksum mismatch in {entry['member']} (corrupted or "
                               "tampered)")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _bad(f"{path} is damaged ({exc})") from None
    if manifest.get("alembic_revision") != head:
        raise _bad(f"it was made at schema revision {manifest.get('alembic_revision')}; this "
                   f"tipline is at {head}: restore it with the tipline version that made it")
    recorded = manifest.get("key_fingerprint")
    matches: bool | None = None
    if recorded is not None:
        matches = key is not None and hmac.compare_digest(str(recorded), key_fingerprint(key))
        if matches:
            assert key is not None
            if not hmac.compare_digest(str(manifest.get("manifest_hmac", "")),
                                       _manifest_mac(key, manifest)):
                raise _bad("the manifest's HMAC does not match (tampered)")
    return Checked(manifest, matches, {n: t["rows"] for n, t in listed.items()})


def _load(tar: tarfile.TarFile, member: str, table: Table) -> Iterator[list[dict[str, Any]]]:
    handle = tar.extractfile(member)
    assert handle is not None
    types = {c.name: c.type for c in table.columns}
    batch: list[dict[str, Any]] = []
    size = 0
    for line in handle:
        raw = json.loads(line)
        batch.append({name: _decode(types[name], value) for name, value in raw.items()})
        size += len(line)
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL's serial counters follow the restored ids (SQLite's rowids do by themselves)."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].autoincrement is False or table.name in (
                "audit_log", "audit_head"):
            continue
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
            f"COALESCE(MAX({pk[0].name}), 1), MAX({pk[0].name}) IS NOT NULL) FROM {table.name}"))


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    rows: dict[str, int]
    key_matches: bool | None
    replaced: bool


def restore(database: Database, path: Path, key: bytes | None, *, force: bool = False,
            actor: str = "cli") -> Restored:
    """Replace the store with the archive's content in one transaction and append a
    `backup.restore` entry to the restored chain. Refuses, changing nothing, a damaged archive
    and (without `force`) a store that holds anything."""
    checked = check(path, key, head_revision(database.engine))
    migrate.upgrade(database.engine)
    with database.engine.begin() as conn:
        empty = is_empty(conn)
        if not empty and not force:
            raise BackupError("the target store is not empty; restore --force replaces all "
                              "it holds with the archive")
        for table in reversed(tables()):
            conn.execute(table.delete())
        try:
            with _open(path) as tar:
                for table in tables():
                    member = checked.manifest["tables"][table.name]["member"]
                    for batch in _load(tar, member, table):
                        conn.execute(table.insert(), batch)
        except (ValueError, KeyError, TypeError, SQLAlchemyError) as exc:
            # rows that passed the checksums but do not fit the schema (an archive rewritten
            # with fresh checksums and no key to check its HMAC): nothing is kept
            raise BackupError(f"refusing the archive: its rows do not load "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        with Session(bind=conn) as db:  # joins this transaction: all or nothing
            audit.append(db, actor, "backup.restore", file=path.name,
                         created_at=checked.manifest.get("created_at"),
                         audit_tip=checked.manifest.get("audit_tip"),
                         key_matches=checked.key_matches, replaced=not empty)
            db.flush()
    return Restored(checked.manifest, checked.rows, checked.key_matches, not empty)
