"""The analysis commands behind the CLI: read files, analyse, print or write reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tipline.errors import CaseFileError

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def case_paths(paths: list[Path]) -> list[Path]:
    """Expand folders into their case files (gold files skipped), keeping the given order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p for p in sorted(path.iterdir())
                if p.suffix.lower() in CASE_SUFFIXES and ".gold." not in p.name and p.is_file()
            )
        elif not path.exists():
            raise CaseFileError("no such file", source=str(path))
        else:
            out.append(path)
    if not out:
        raise CaseFileError("no case files found", source=" ".join(map(str, paths)))
    return out


def run_analyze(paths: list[Path], *, json_out: bool, html: Path | None, use_nli: bool) -> int:
    from tipline.analysis import analyze
    from tipline.case import load_case

    files = case_paths(paths)
    cases = [load_case(p) for p in files]  # validate all before any work: bad input fails fast
    results = [analyze(c) for c in cases]
    if json_out:
        payload = [r.to_dict() for r in results]
        json.dump(payload[0] if len(payload) == 1 else payload, sys.stdout, ensure_ascii=False,
                  indent=2)
        sys.stdout.write("\n")
    return 0


def run_demo(html: Path | None = None) -> int:
    return 0
