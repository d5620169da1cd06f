"""`tipline import`: one file in, JSON lines of evidence records out (stdout carries nothing
else; notes go to stderr). Bad input raises ImportFileError, which the CLI maps to exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tipline.imports import ImportFileError, ImportOptions, import_file
from tipline.imports.dates import ORDERS


def run_import(file: Path, fmt: str, *, id_prefix: str | None = None,
               date_order: str | None = None, currency: str | None = None,
               profile: str | None = None, profiles: Path | None = None,
               ocr_lang: str = "eng+chi_sim") -> int:
    if date_order is not None and date_order not in ORDERS:
        raise ImportFileError(f"{date_order!r} is not one of {', '.join(ORDERS)}",
                              source="--date-order")
    opts = ImportOptions(id_prefix=id_prefix, date_order=date_order,
                         currency=currency.upper() if currency else None, profile=profile,
                         profiles=profiles, ocr_lang=ocr_lang)
    records = import_file(fmt, file, opts)
    out = sys.stdout
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
    print(f"{len(records)} records from {file}", file=sys.stderr)
    return 0
