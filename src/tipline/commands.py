"""The analysis commands behind the CLI: read files, analyse, print or write reports.

Exit codes follow shared/api-contract.md: 0 ok, 2 bad input (a CaseFileError, mapped in
cli.py; an unwritable --html path here), 1 internal error (the analyzer failed).
With --json, stdout carries the JSON and nothing else: progress and notes go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from tipline.errors import CaseFileError

if TYPE_CHECKING:
    from tipline.analysis import Analysis
    from tipline.case import Case

CASE_SUFFIXES = (".yaml", ".yml", ".json")
DEMO_NOTE = ("This is the bundled demo case, an invented one. "
             "Analyse your own with: tipline analyze CASE.yaml [--html report.html]")


class AnalysisFailed(Exception):
    """The analyzer itself broke on a valid case: an internal error, exit 1."""


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
    """Validate every file first (bad input fails fast), then analyse and report."""
    from tipline.case import load_case

    files = case_paths(paths)
    cases = [load_case(p) for p in files]
    try:
        results = analyze_all(cases, [str(p) for p in files], use_nli=use_nli)
    except AnalysisFailed as exc:
        print(f"tipline: internal error: {exc}", file=sys.stderr)
        return 1
    if json_out:
        _print_json(results)
    else:
        show_reports(cases, results, Console())
    if html is None:
        return 0
    notes = Console(stderr=True) if json_out else Console()
    return write_html(html, list(zip(cases, results, strict=True)), notes)


def run_demo(html: Path | None = None) -> int:
    """The main job on the bundled case: analyse it and show the report."""
    from tipline.demo import load_demo_case

    case = load_demo_case()
    try:
        results = analyze_all([case], ["the demo case"], use_nli=True)
    except AnalysisFailed as exc:
        print(f"tipline: internal error: {exc}", file=sys.stderr)
        return 1
    console = Console()
    show_reports([case], results, console)
    console.print(Text(DEMO_NOTE, style="dim"))
    return 0 if html is None else write_html(html, [(case, results[0])], console)


def analyze_all(cases: Sequence[Case], names: Sequence[str], *, use_nli: bool
                ) -> list[Analysis]:
    """Analyse in order, with a progress bar on stderr when there is more than one case
    and stderr is a terminal; a crash in the analyzer becomes AnalysisFailed."""
    results: list[Analysis] = []
    with _progress(len(cases)) as progress:
        task = progress.add_task("analysing", total=len(cases))
        for case, name in zip(cases, names, strict=True):
            progress.update(task, description=f"analysing {name}")
            results.append(_analyze_one(case, name, use_nli=use_nli))
            progress.advance(task)
    return results


def _analyze_one(case: Case, name: str, *, use_nli: bool) -> Analysis:
    from tipline.analysis import analyze

    try:
        return analyze(case, use_nli=use_nli)
    except Exception as exc:  # the case is valid by now: any failure is ours, not bad input
        raise AnalysisFailed(f"analysing {name}: {type(exc).__name__}: {exc}") from exc


def _progress(total: int) -> Progress:
    """Progress on stderr only, so stdout stays clean for --json and for pipes."""
    err = Console(stderr=True)
    return Progress(
        SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=total < 2 or not err.is_terminal,
    )


def _print_json(results: list[Analysis]) -> None:
    payload = [r.to_dict() for r in results]
    json.dump(payload[0] if len(payload) == 1 else payload, sys.stdout, ensure_ascii=False,
              indent=2)
    sys.stdout.write("\n")


def show_reports(cases: Sequence[Case], results: Sequence[Analysis], console: Console) -> None:
    """The terminal report for each case, one after another."""
    from tipline.report.terminal import render_terminal

    for i, (case, result) in enumerate(zip(cases, results, strict=True)):
        if i:
            console.print()
        render_terminal(case, result, console)


def write_html(path: Path, pairs: list[tuple[Case, Analysis]], console: Console) -> int:
    """Write the one-page report and say where; an unwritable path is bad input (2)."""
    from tipline.report.html import render_html

    page = render_html(pairs)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"tipline: {path}: cannot write the report: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    note = Text("HTML report written to ")
    note.append(str(path.resolve()), style="bold")
    console.print(note)
    return 0
