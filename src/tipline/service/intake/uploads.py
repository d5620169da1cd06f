"""Files a reporter attaches: read with limits while streaming, typed by content, cleaned of
metadata before staff see them, the original kept sealed for chain of custody.

- `FormReader` parses a multipart form as it arrives: a file is dropped the moment it passes
  the per-file or per-report limit (never held whole), and the rest of the form is still read
  so the page can show the reporter's words back. Bodies larger than the whole allowance are
  refused by the app's Guard from their Content-Length, before any reading.
- `clean` sniffs the type from the first bytes (JPEG, PNG, PDF, or UTF-8 plain text; the name
  and the browser's Content-Type are ignored) and removes metadata (`strip_metadata`).
- `store` keeps the cleaned copy as an evidence attachment under a random name, the original
  (with its name) sealed under a key derived from the identity key, and writes the original's
  SHA-256 to the audit log. The original opens only for a requester a custodian approved
  (`view_original`, the identity request flow with subject "originals"), each view audited.
"""

from __future__ import annotations

import codecs
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tipline.errors import TiplineError
from tipline.imports.metadata import UnsupportedFile, sniff, strip_metadata
from tipline.service import audit
from tipline.service.casefiles import cases
from tipline.service.identity import IdentityKeyError, sub_fernet
from tipline.service.models import Attachment, CaseRecord, ReporterUpload

ALLOWED = {"jpeg": ("image/jpeg", "jpg", "JPEG image"), "png": ("image/png", "png", "PNG image"),
           "pdf": ("application/pdf", "pdf", "PDF document"),
           "text": ("text/plain", "txt", "plain text")}


class UploadRefused(TiplineError):
    """A file the hotline does not take: `code` is "type", "file_size", "report_size" or
    "count", so the page can say why in the reporter's language."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class FileBox:
    """Originals sealed with Fernet under a key derived (HKDF) from the identity key."""

    def __init__(self, identity_key: bytes) -> None:
        self._fernet = sub_fernet(identity_key, b"tipline sealed uploads")

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise IdentityKeyError("cannot decrypt a sealed upload: wrong identity key") \
                from None


@dataclass
class Incoming:
    """One file as received: the name the browser sent (sealed with the original, never shown
    to staff) and its bytes."""

    name: str
    data: bytes


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Incoming] = field(default_factory=list)
    refused: UploadRefused | None = None
    most_held: int = 0  # the most file bytes held at once (the tests check the bound)


@dataclass
class Limits:
    per_file: int
    per_report: int  # all files of one form (store() also checks the case's running total)
    files: int
    field_chars: int


class FormReader:
    """A streaming multipart parser that never holds more file bytes than the limits allow."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.form = ParsedForm()
        self._name = b""
        self._value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._filename: str | None = None
        self._buf = bytearray()
        self._dropping = False
        self._total = 0

    def refuse(self, message: str, code: str) -> None:
        if self.form.refused is None:
            self.form.refused = UploadRefused(message, code)
        self._dropping = True
        self._buf = bytearray()

    def on_part_begin(self) -> None:
        self._headers, self._field, self._filename = {}, None, None
        self._buf, self._dropping = bytearray(), False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            self._filename = options[b"filename"].decode("utf-8", "replace")
            files = len(self.form.files) + 1
            if self._filename and files > self.limits.files:
                self.refuse(f"more than {self.limits.files} files", "count")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._dropping:
            return
        n = end - start
        if self._filename is not None:
            self._total += n
            if len(self._buf) + n > self.limits.per_file:
                self.refuse(f"a file over {self.limits.per_file} bytes", "file_size")
                return
            if self._total > self.limits.per_report:
                self.refuse(f"files over {self.limits.per_report} bytes together",
                            "report_size")
                return
        elif len(self._buf) + n > self.limits.field_chars * 4:
            # a field longer than any allowed text: kept over-long, so reports.py refuses it
            self._dropping, self._buf = True, bytearray()
            self.form.fields[self._field or ""] = "x" * (self.limits.field_chars + 1)
            return
        self._buf += data[start:end]
        self.form.most_held = max(self.form.most_held, len(self._buf))

    def on_part_end(self) -> None:
        if self._dropping:
            return
        if self._filename is not None:
            if self._filename or self._buf:  # an empty file input sends a nameless part
                self.form.files.append(Incoming(self._filename, bytes(self._buf)))
        elif self._field is not None:
            self.form.fields[self._field] = codecs.decode(bytes(self._buf), "utf-8", "replace")
        self._buf = bytearray()

    async def read(self, content_type: str, stream: AsyncIterator[bytes]) -> ParsedForm:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise UploadRefused("a multipart form without a boundary", "type")
        parser = MultipartParser(boundary, {
            "on_part_begin": self.on_part_begin, "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end, "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished})
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
        return self.form


@dataclass(frozen=True)
class Cleaned:
    kind: str  # a key of ALLOWED
    data: bytes
    removed: list[str]


def clean(data: bytes) -> Cleaned:
    """The file's type from its content and a copy without metadata; UploadRefused("type")
    for anything not a JPEG, PNG, PDF or plain text (an .exe renamed .jpg included)."""
    kind = sniff(data)
    if kind in ("jpeg", "png", "pdf"):
        try:
            out = strip_metadata(data)
        except UnsupportedFile as exc:
            raise UploadRefused(str(exc), "type") from None
        return Cleaned(kind, out.data, list(out.removed))
    if kind is None and is_plain_text(data):
        return Cleaned("text", data, [])
    raise UploadRefused("not a JPEG or PNG image, a PDF or plain text", "type")


def is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(text) and not any(ord(c) < 32 and c not in "\t\n\r\f" or c == "\x7f"
                                  for c in text)


def check_all(files: list[Incoming]) -> list[tuple[Incoming, Cleaned]]:
    """Clean every file before anything is stored: one bad file refuses the whole form."""
    return [(f, clean(f.data)) for f in files]


def case_bytes(db: Session, rec: CaseRecord) -> int:
    return int(db.scalar(select(func.coalesce(func.sum(ReporterUpload.size), 0)).where(
        ReporterUpload.case_pk == rec.id)) or 0)


def store(db: Session, box: FileBox, rec: CaseRecord, files: list[tuple[Incoming, Cleaned]],
          per_report: int, actor: str = "reporter") -> list[ReporterUpload]:
    """Each file becomes a document evidence record whose attachment is the cleaned copy under
    a random name; the original and its name are sealed; the audit entry carries both
    SHA-256s. Raises UploadRefused("report_size") when the case's files would pass the
    per-report limit."""
    if not files:
        return []
    if case_bytes(db, rec) + sum(len(f.data) for f, _ in files) > per_report:
        raise UploadRefused(f"files over {per_report} bytes for this report", "report_size")
    out = []
    for incoming, cleaned in files:
        mime, ext, label = ALLOWED[cleaned.kind]
        stored_name = f"upload-{secrets.token_hex(8)}.{ext}"
        removed = ", ".join(cleaned.removed) or "nothing found"
        ev = cases.add_evidence(db, rec, {
            "kind": "document",
            "text": f"File sent by the reporter: {stored_name} ({label}); metadata removed: "
                    f"{removed}."})
        db.flush()
        sha_clean = hashlib.sha256(cleaned.data).hexdigest()
        sha_orig = hashlib.sha256(incoming.data).hexdigest()
        att = Attachment(evidence_pk=ev.id, filename=stored_name, content_type=mime,
                         size=len(cleaned.data), sha256=sha_clean, data=cleaned.data)
        db.add(att)
        db.flush()
        up = ReporterUpload(case_pk=rec.id, attachment_pk=att.id, kind=cleaned.kind,
                            removed=list(cleaned.removed), size=len(incoming.data),
                            sha256=sha_orig, sealed=box.seal(incoming.data),
                            sealed_name=box.seal(incoming.name.encode("utf-8")))
        db.add(up)
        db.flush()
        audit.record(db, actor, "upload.add", rec.case_id, upload=up.id, ref=ev.ref,
                     kind=cleaned.kind, sha256_original=sha_orig, size_original=len(
                         incoming.data), sha256_cleaned=sha_clean, removed=cleaned.removed)
        out.append(up)
    return out


def for_case(db: Session, case_pk: int) -> list[ReporterUpload]:
    return list(db.scalars(select(ReporterUpload).where(ReporterUpload.case_pk == case_pk)
                           .order_by(ReporterUpload.id)))


def describe(up: ReporterUpload) -> dict[str, Any]:
    """What the reporter's page shows of one file: never its content or original name."""
    return {"kind": ALLOWED[up.kind][2], "size": up.size, "removed": list(up.removed or []),
            "at": up.created_at.isoformat(timespec="minutes")}
