"""Staff imports: a file uploaded to a case (page or API), read by the same `tipline.imports`
readers as `tipline import`, its records added through `casework.import_evidence`: all of
them or, on any problem, none.

The request streams through Starlette's multipart parser, which spools a file to disk past
1 MB, while the staff app's Guard bounds the whole body (`max_import_bytes`, the CLI's
`TIPLINE_MAX_IMPORT_BYTES`). `uploads.FormReader` is not used: it holds each file in memory,
right for a reporter's 10 MB photo, not for a 100 MB mailbox. The readers take a path, so the
file is copied under its own base name (the name records cite as `source_file`) into a
private temporary folder, read there and deleted with the folder.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.errors import TiplineError
from tipline.imports import ALIASES, FORMATS, ImportOptions, import_file
from tipline.imports.base import collect_notes
from tipline.imports.dates import ORDERS
from tipline.service.casefiles import casework
from tipline.service.models import AuditEntry, CaseRecord, User

MAX_PROFILES_BYTES = 1024 * 1024  # a YAML file of saved bank CSV column mappings
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_LANGS = re.compile(r"[a-z_]{3,20}(\+[a-z_]{3,20}){0,4}")


class ImportRefused(TiplineError):
    """An import that cannot start or that failed; the message names the file and problem,
    and nothing was stored."""


class ImportTooLarge(ImportRefused):
    """A file over the import limit (413, not 422: the file may be fine, only too big)."""


@dataclass(frozen=True)
class ImportRequest:
    """What the form or API sends beside the file: the CLI's options, by the same names."""

    fmt: str
    id_prefix: str = ""
    date_order: str = ""
    currency: str = ""
    profile: str = ""
    ocr_lang: str = ""

    def format_name(self) -> str:
        key = ALIASES.get(self.fmt.strip().lower(), self.fmt.strip().lower())
        if key not in FORMATS:
            raise ImportRefused(f"unknown format {self.fmt!r}; one of: {', '.join(FORMATS)}")
        return key

    def options(self, prefix: str, profiles: Path | None, limit: int) -> ImportOptions:
        if self.date_order and self.date_order not in ORDERS:
            raise ImportRefused(f"date order {self.date_order!r} is not one of "
                                f"{', '.join(ORDERS)}")
        if self.currency and not _CURRENCY.fullmatch(self.currency.strip()):
            raise ImportRefused(f"currency {self.currency!r} is not a three-letter code")
        if self.ocr_lang and not _LANGS.fullmatch(self.ocr_lang.strip()):
            raise ImportRefused(f"OCR languages {self.ocr_lang!r} are not Tesseract names "
                                "joined by + (eng+chi_sim)")
        return ImportOptions(id_prefix=prefix, date_order=self.date_order or None,
                             currency=self.currency.strip().upper() or None,
                             profile=self.profile.strip() or None, profiles=profiles,
                             ocr_lang=self.ocr_lang.strip() or ImportOptions.ocr_lang,
                             max_bytes=limit)


@dataclass
class Imported:
    """What one import added: the answer of the API, and the case page's list of imports."""

    file: str
    format: str
    sha256: str
    size: int
    ids: list[str]
    notes: list[str] = field(default_factory=list)

    def to_dict(self, case_id: str) -> dict[str, Any]:
        return {"case_id": case_id, "file": self.file, "format": self.format,
                "sha256": self.sha256, "size": self.size, "count": len(self.ids),
                "ids": self.ids, "notes": self.notes}


def file_name(sent: str | None) -> str:
    """The base name of the file as sent (a browser may send a path), safe as a file name."""
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c if c.isprintable() else "_" for c in name)[:200]
    return name if name not in ("", ".", "..") else "upload"


def free_prefix(rec: CaseRecord, base: str) -> str:
    """The format's id prefix (`wa-`), or `wa2-`, `wa3-` … when an earlier import used it, so a
    second file into the same case does not collide."""
    used = [s.ref for s in rec.statements] + [e.ref for e in rec.evidence]
    stem = base.rstrip("-")
    n = 1
    while True:
        prefix = base if n == 1 else f"{stem}{n}-"
        if not any(ref.startswith(prefix) for ref in used):
            return prefix
        n += 1


def run_import(db: Session, user: User, rec: CaseRecord, req: ImportRequest,
               upload: IO[bytes], sent_name: str | None, limit: int,
               profiles: IO[bytes] | None = None) -> Imported:
    """Read the upload in the requested format and add its records to the case, in the
    caller's transaction. Raises ImportRefused (a bad request or a malformed file, the
    problem named), casework errors (permission, a closed case), or CaseFileError (records
    the case refuses, such as an id already used); nothing is stored in any of those cases."""
    casework.require(user, "case.edit", rec)
    casework.require_open(rec, "evidence records")
    fmt = req.format_name()
    name = file_name(sent_name)
    if req.id_prefix and not _PREFIX.fullmatch(req.id_prefix):
        raise ImportRefused(f"id prefix {req.id_prefix!r}: letters, digits, '-', '_' or '.', "
                            "at most 40")
    prefix = req.id_prefix or free_prefix(rec, FORMATS[fmt].prefix)
    with tempfile.TemporaryDirectory(prefix="tipline-import-") as tmp:  # mode 0700
        folder = Path(tmp)
        path = folder / name
        digest, size = _copy(upload, path, limit, name)
        profiles_path = None
        if profiles is not None:
            profiles_path = folder / ".profiles.yaml"
            _copy(profiles, profiles_path, MAX_PROFILES_BYTES, "the profiles file")
        try:
            with collect_notes() as notes:
                records = import_file(fmt, path, req.options(prefix, profiles_path, limit))
        except TiplineError as exc:  # ImportFileError: file, row and problem
            raise ImportRefused(_local(str(exc), folder)) from None
        notes = [_local(n, folder) for n in notes]
    refs = casework.import_evidence(db, user, rec, records, file=name, fmt=fmt,
                                    sha256=digest, size=size, notes=notes)
    return Imported(name, fmt, digest, size, refs, notes)


def _copy(upload: IO[bytes], path: Path, limit: int, what: str) -> tuple[str, int]:
    """Copy in chunks, counting: refused past `limit` bytes (the Guard bounds the request as a
    whole; this bounds the file). Returns the SHA-256 and size for the chain of custody."""
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    with path.open("wb") as out:
        while chunk := upload.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise ImportTooLarge(f"{what}: over the {limit:,}-byte import limit")
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise ImportRefused(f"{what}: the file is empty")
    return digest.hexdigest(), size


def _local(message: str, folder: Path) -> str:
    """A message without the temporary folder's path: it names the file as it was sent."""
    return message.replace(f"{folder}/", "").replace(str(folder), "")


def past_imports(db: Session, rec: CaseRecord) -> list[dict[str, Any]]:
    """The case's imports, newest first, from their audit entries (who, when, file, SHA-256)."""
    rows = db.scalars(select(AuditEntry).where(AuditEntry.case_id == rec.case_id,
                                               AuditEntry.action == "evidence.import")
                      .order_by(AuditEntry.seq.desc()))
    return [{"actor": e.actor, "at": e.at[:16].replace("T", " "), **(e.detail or {})}
            for e in rows]

