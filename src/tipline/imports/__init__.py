"""Evidence from real files: one reader per format, each yielding records in the case-file
`evidence` shape with their provenance in `fields` (see README, "Importing evidence").

    records = import_file("whatsapp", Path("chat.txt"))   # list of dicts, ids assigned

Readers live in one small module each and are registered in FORMATS by name; the modules are
imported only when their format is used (pypdf, Pillow stay unloaded otherwise)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tipline.imports.base import (
    MAX_RECORDS,
    Draft,
    ImportFileError,
    ImportOptions,
    defused,
    iso,
)


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    prefix: str
    summary: str

    def reader(self) -> Any:
        return importlib.import_module(f"tipline.imports.{self.module}").read


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("bank-csv", "bank_csv", "bank-", "bank statement CSV (saved profiles or "
           "auto-detected headers)"),
    Format("whatsapp", "whatsapp", "wa-", "WhatsApp text export, Android or iOS, .txt or .zip"),
    Format("telegram", "telegram", "tg-", "Telegram Desktop JSON export (result.json)"),
    Format("email", "email_import", "mail-", "e-mail: one .eml message or an .mbox mailbox"),
    Format("location-csv", "location_csv", "loc-", "cell-site / location records CSV"),
    Format("pdf", "pdf", "doc-", "PDF text layer, one record per page"),
    Format("image", "image", "ocr-", "scanned image through Tesseract OCR (eng+chi_sim)"),
)}
ALIASES = {"eml": "email", "mbox": "email", "bank": "bank-csv", "location": "location-csv",
           "cell-site": "location-csv", "ocr": "image"}

__all__ = ["FORMATS", "Draft", "Format", "ImportFileError", "ImportOptions", "import_file"]


def find_format(name: str) -> Format:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise ImportFileError(f"unknown format {name!r}; one of: {', '.join(FORMATS)}",
                              source="--format")
    return FORMATS[key]


def import_file(fmt: str, path: Path | str, opts: ImportOptions | None = None
                ) -> list[dict[str, Any]]:
    """Read one file in the named format: every record, ids assigned, text values defused.
    Raises ImportFileError (file, row, problem) on bad input; nothing is returned partly."""
    spec = find_format(fmt)
    opts = opts or ImportOptions()
    path = Path(path)
    prefix = opts.id_prefix if opts.id_prefix is not None else spec.prefix
    out: list[dict[str, Any]] = []
    for n, draft in enumerate(spec.reader()(path, opts), start=1):
        if n > MAX_RECORDS:
            raise ImportFileError(f"more than {MAX_RECORDS:,} records; refusing",
                                  source=str(path))
        out.append(_record(f"{prefix}{n}", draft, spec.name, path))
    return out


def _record(rid: str, draft: Draft, fmt: str, path: Path) -> dict[str, Any]:
    record: dict[str, Any] = {"id": rid, "kind": draft.kind}
    at = iso(draft.at)
    if at:
        record["at"] = at
    record["text"] = draft.text
    fields = {k: v for k, v in (draft.fields or {}).items() if v not in (None, "", [])}
    fields["source_file"] = path.name
    fields["source_format"] = fmt
    record["fields"] = fields
    return defused(record)
