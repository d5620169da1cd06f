"""`tipline export --ftm` and `tipline links`: read case files, print entities or links.

stdout carries the output only (JSON lines, or the link list); notes go to stderr.
Bad input is a CaseFileError, exit 2, mapped in cli.py like `tipline analyze`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tipline.commands import case_paths

if TYPE_CHECKING:
    from tipline.links.link import CaseLink


def run_export(paths: list[Path]) -> int:
    """Print every case's FtM entities as JSON lines (all files validated first)."""
    from tipline.case import load_case
    from tipline.links.ftm import case_entities

    cases = [load_case(p) for p in case_paths(paths)]
    out = sys.stdout
    for case in cases:
        for entity in case_entities(case):
            out.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return 0


def run_links(paths: list[Path], *, json_out: bool, threshold: float) -> int:
    """Print the links between the given case files, each with its reasons."""
    from tipline.case import load_case
    from tipline.links.extract import extract
    from tipline.links.link import link_cases

    files = case_paths(paths)
    cases = [load_case(p) for p in files]
    seen: dict[str, Path] = {}
    for case, path in zip(cases, files, strict=True):
        if case.id in seen:
            from tipline.errors import CaseFileError

            raise CaseFileError(f"case id {case.id!r} also in {seen[case.id]}", source=str(path))
        seen[case.id] = path
    links = link_cases((extract(c) for c in cases), threshold=threshold)
    print_links(links, json_out=json_out, cases=len(cases))
    return 0


def print_links(links: Sequence[CaseLink], *, json_out: bool, cases: int) -> None:
    """The link list on stdout: one JSON object a link, or each link with its reasons
    (`tipline links` and `tipline batch link` print the same)."""
    if json_out:
        for link in links:
            print(json.dumps({"a": link.a, "b": link.b, "score": round(link.score, 3),
                              "reasons": [{"text": r.text, "score": round(r.score, 3)}
                                          for r in link.reasons]}, ensure_ascii=False))
        return
    if not links:
        print(f"no links among {cases} cases", file=sys.stderr)
        return
    for link in links:
        print(f"{link.a} — {link.b}  score {link.score:.2f}")
        for reason in link.reasons:
            print(f"    {reason.score:.2f}  {reason.text}")
