"""CSV reading shared by the CSV formats: delimiter sniffing, rows with their line numbers."""

from __future__ import annotations

import csv
import io

from tipline.imports.base import ImportFileError

SCAN = 40


def norm_header(name: str) -> str:
    """A header cell compared loosely: case, surrounding quotes and spaces ignored."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def sniff_delimiter(text: str) -> str:
    """The delimiter (, ; tab |) that splits most of the first lines into equal counts."""
    head = [line for line in text.splitlines()[:SCAN] if line.strip()]
    best, score = ",", -1
    for delim in (",", ";", "\t", "|"):
        counts = [line.count(delim) for line in head]
        common = max(set(counts), key=counts.count) if counts else 0
        if common and counts.count(common) * common > score:
            best, score = delim, counts.count(common) * common
    return best


def read_rows(text: str, delimiter: str, source: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, stripped cells) for every row; malformed CSV (an
    unterminated quote) is an ImportFileError naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for row in reader:
            out.append((line, [c.strip() for c in row]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError(f"malformed CSV: {exc}", source=source, line=line) from None
    return out
