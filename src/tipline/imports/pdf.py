"""PDF documents through their text layer (pypdf): one `document` record per page that has
text, `source_page` its page number. Pages without text (scans) are named in a note: render
them to images and import those with --format image. Title, author and dates from the
document's information dictionary go into `fields` — they are evidence here (stripping them
is for reporters' uploads, see metadata.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tipline.imports.base import Draft, ImportFileError, ImportOptions, check_size, note

MAX_PAGES = 5000


def open_pdf(path: Path, limit: int) -> Any:
    """A pypdf reader, size checked first; unreadable or password-protected files refused."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    source = str(path)
    check_size(path, limit)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportFileError("the PDF is password-protected", source=source)
        pages = len(reader.pages)
    except ImportFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ImportFileError(f"not a readable PDF: {exc}", source=source) from None
    if pages > MAX_PAGES:
        raise ImportFileError(f"{pages:,} pages, over the {MAX_PAGES:,}-page limit",
                              source=source)
    return reader


def _info(reader: Any) -> dict[str, Any]:
    try:
        meta = reader.metadata or {}
    except Exception:  # a broken info dictionary is no reason to lose the text
        return {}
    out = {}
    for key, name in (("/Title", "document_title"), ("/Author", "document_author"),
                      ("/CreationDate", "document_created")):
        value = meta.get(key)
        if value:
            out[name] = str(value)
    return out


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    reader = open_pdf(path, opts.max_bytes)
    info = _info(reader)
    empty: list[int] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as exc:  # pypdf raises many kinds on damaged content streams
            raise ImportFileError(f"cannot read the text of page {number}: {exc}",
                                  source=source, field=f"page {number}") from None
        text = re.sub(r"[ \t]+\n", "\n", text).strip()
        if not text:
            empty.append(number)
            continue
        yield Draft(kind="document", text=text,
                    fields={**info, "source_page": number, "pages": len(reader.pages)})
    if empty:
        shown = ", ".join(map(str, empty[:20])) + (" …" if len(empty) > 20 else "")
        note(f"{source}: no text layer on page(s) {shown}; a scan? render them to images and "
             "import with --format image")
