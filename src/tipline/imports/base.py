"""What every importer shares: options, size-bounded reading, errors, and defused output.

Records come out in the case-file `evidence` shape (shared/case-format.md): id, kind, at, text,
fields. Provenance lives in `fields` under `source_*` keys (file, format, row, line, message,
page) so a finding can cite the exact row.

Formula injection: a record may end up in a spreadsheet (a CSV export of the evidence table).
Any text value that begins with ``= + - @``, a tab or a carriage return — after leading spaces —
is written with an apostrophe in front (``'=HYPERLINK(…)``), OWASP's advice: spreadsheets show
such a cell as text and never evaluate it. Numbers (amounts, coordinates) stay JSON numbers.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from tipline.errors import CaseFileError

MAX_IMPORT_BYTES = int(os.environ.get("TIPLINE_MAX_IMPORT_BYTES", 100 * 1024 * 1024))
MAX_RECORDS = int(os.environ.get("TIPLINE_MAX_IMPORT_RECORDS", 1_000_000))
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_RATIO = 200  # uncompressed / compressed, beyond which a member is a likely bomb
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(CaseFileError):
    """A file that cannot be imported: names file, row (or line, message, page) and problem."""


@dataclass(frozen=True)
class ImportOptions:
    id_prefix: str | None = None
    date_order: str | None = None      # dmy | mdy | ymd; inferred from the file when None
    currency: str | None = None        # default currency where the file names none
    profile: str | None = None         # bank CSV: a saved column mapping
    profiles: Path | None = None       # bank CSV: a YAML file of saved profiles
    ocr_lang: str = "eng+chi_sim"      # image: Tesseract languages
    max_bytes: int = MAX_IMPORT_BYTES


@dataclass
class Draft:
    """One evidence record before it gets its id; `fields` carries the provenance."""

    kind: str
    text: str
    at: datetime | date | str | None = None
    fields: dict[str, Any] | None = None


class Reader(Protocol):
    def __call__(self, path: Path, opts: ImportOptions) -> Iterator[Draft]: ...


def check_size(path: Path, limit: int) -> int:
    """The file's size, refused before anything is read when over the limit."""
    source = str(path)
    try:
        if path.is_dir():
            raise ImportFileError("is a folder, not a file", source=source)
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError("no such file", source=source) from None
    except OSError as exc:
        raise ImportFileError(f"cannot read: {exc.strerror or exc}", source=source) from None
    if size > limit:
        raise ImportFileError(f"file is {size:,} bytes, over the {limit:,}-byte import limit "
                              "(TIPLINE_MAX_IMPORT_BYTES)", source=source)
    return size


def read_bytes(path: Path, limit: int) -> bytes:
    """The whole file, size checked first and the read itself bounded (the file may grow)."""
    check_size(path, limit)
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(f"over the {limit:,}-byte import limit", source=str(path))
    return data


def zip_member(path: Path, limit: int, choose: Any) -> tuple[str, bytes]:
    """One member of a zip archive, read with the size bounded by what is actually inflated
    (declared sizes can lie): refuses archives with too many members, members over the limit
    or compressed more than MAX_ZIP_RATIO times (zip bombs). `choose(names)` picks the member."""
    source = str(path)
    check_size(path, limit)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise ImportFileError(f"zip holds {len(infos):,} members; refusing",
                                      source=source)
            name = choose([i.filename for i in infos])
            if name is None:
                raise ImportFileError("zip holds no chat text file (_chat.txt or *.txt)",
                                      source=source)
            info = archive.getinfo(name)
            if info.file_size > limit or (
                    info.file_size > 1_000_000
                    and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)):
                raise ImportFileError(
                    f"{name} would inflate to {info.file_size:,} bytes from "
                    f"{info.compress_size:,}; refusing a possible zip bomb", source=source)
            with archive.open(info) as member:
                data = member.read(limit + 1)
                if len(data) > limit or (
                        len(data) > 1_000_000
                        and len(data) > MAX_ZIP_RATIO * max(info.compress_size, 1)):
                    raise ImportFileError(f"{name} inflates past its declared size; refusing "
                                          "a possible zip bomb", source=source)
            return name, data
    except zipfile.BadZipFile as exc:
        raise ImportFileError(f"not a readable zip archive: {exc}", source=source) from None


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM, else GB18030 for Chinese exports;
    binary data is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFileError("bad UTF-16 text", source=source) from None
    if b"\x00" in data[:8192]:
        raise ImportFileError("binary data, not a text file", source=source)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFileError(
                f"not UTF-8 or GB18030 text (bad byte 0x{data[exc.start]:02x})",
                source=source, line=line) from None


def defuse(value: str) -> str:
    """A value a spreadsheet would evaluate, made plain text with a leading apostrophe."""
    return "'" + value if value.lstrip(" ").startswith(_TRIGGERS) else value


def defused(value: Any) -> Any:
    """Every text value in a record (nested too) defused; numbers and booleans untouched."""
    if isinstance(value, str):
        return defuse(value)
    if isinstance(value, dict):
        return {str(k): defused(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [defused(v) for v in value]
    return value


def iso(value: datetime | date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime) and value.second == 0 and value.microsecond == 0:
        return value.isoformat(timespec="minutes")
    return value.isoformat()


_NOTES: ContextVar[list[str] | None] = ContextVar("tipline_import_notes", default=None)


def note(message: str) -> None:
    """A remark for the person importing (stderr), never mixed into the records; inside
    `collect_notes` it is kept for the caller instead (the staff app shows it on the page)."""
    sink = _NOTES.get()
    if sink is not None:
        sink.append(message)
        return
    import sys

    print(f"tipline: note: {message}", file=sys.stderr)


@contextmanager
def collect_notes() -> Iterator[list[str]]:
    """The notes made by imports run in this context (thread or task), not printed."""
    sink: list[str] = []
    token = _NOTES.set(sink)
    try:
        yield sink
    finally:
        _NOTES.reset(token)
