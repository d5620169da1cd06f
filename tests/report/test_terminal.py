"""The terminal report shows the quotes, the marked spans and the reasons, at any width."""

from __future__ import annotations

import dataclasses

from rich.console import Console

from tests.report.sample import S1, S2, case_mapping
from tipline.analysis.findings import Analysis, Finding, Span
from tipline.case import Case, case_from_mapping
from tipline.report.common import NO_FINDINGS
from tipline.report.terminal import MARK, render_terminal


def _render(case: Case, analysis: Analysis, width: int = 220) -> tuple[str, Console]:
    console = Console(record=True, width=width, force_terminal=True, color_system="truecolor")
    render_terminal(case, analysis, console)
    return console.export_text(clear=False, styles=False), console


def _flat(text: str) -> str:
    """Box characters and line breaks out, so wrapped quotes can be searched."""
    for ch in "│╭╮╰╯─├┤┬┴┼":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def _marked_texts(console: Console) -> list[str]:
    """Every run of text the console printed in the highlight style."""
    return [seg.text for seg in console._record_buffer
            if seg.style is not None and str(seg.style) == MARK]


def _marked_joined(console: Console) -> str:
    """Marked runs joined: a span wrapped over two lines reads as one phrase again."""
    return " ".join(" ".join(_marked_texts(console)).split())


def test_header_names_case_and_counts(case: Case, analysis: Analysis) -> None:
    out, _ = _render(case, analysis)
    assert "test-case" in out
    assert "language en" in out
    assert "1 contradiction" in out and "1 evidence conflict" in out
    assert "reporter: Daniel Roth" in out


def test_pair_shows_both_quotes_speakers_score_and_reason(case: Case, analysis: Analysis
                                                          ) -> None:
    out, _ = _render(case, analysis)
    flat = _flat(out)
    assert "S1 · Daniel Roth (reporter) · hotline call" in flat
    assert "S2 · Daniel Roth (reporter) · interview 2" in flat
    assert _flat(S1) in flat and _flat(S2) in flat
    assert "score 0.93" in flat
    assert "Why: S1 says he refused; S2 says he sold photographs." in flat
    assert "E1 · bank transfer · 2024-10-20" in flat


def test_spans_are_highlighted(case: Case, analysis: Analysis) -> None:
    _, console = _render(case, analysis)
    marked = _marked_joined(console)
    assert "I refused to give him anything" in marked
    assert "I sold him some photographs" in marked
    assert "4,500 EUR" in marked
    assert "whether you are already looking into me" in marked
    assert "reported it" not in marked


def test_evasion_shows_question_and_answer(case: Case, analysis: Analysis) -> None:
    flat = _flat(_render(case, analysis)[0])
    assert "Q When did you first meet him?" in flat
    assert "A “I don't remember exactly" in flat


def test_reporter_implicated_lists_records_and_timeline(case: Case, analysis: Analysis
                                                        ) -> None:
    flat = _flat(_render(case, analysis)[0])
    assert "Reporter implicated (1)" in flat
    assert "inside the restricted perimeter" in flat
    assert "Timeline (3)" in flat
    assert "1,000–9,999 EUR" in flat and "4,500 EUR" in flat and "2024-09" in flat


def test_no_findings_message(case: Case) -> None:
    out, _ = _render(case, Analysis(case="test-case", findings=()))
    assert NO_FINDINGS in _flat(out)


def test_narrow_terminal_keeps_everything(case: Case, analysis: Analysis) -> None:
    out, console = _render(case, analysis, width=80)
    assert max(len(line) for line in out.splitlines()) <= 80
    marked = set(_marked_joined(console).split())  # columns interleave: compare words
    words = {"I", "refused", "to", "give", "him", "anything", "sold", "some", "photographs"}
    assert words <= marked
    assert "rent." not in marked
    flat = _flat(out)
    assert "Why: The answer names no date and turns the question." in flat
    assert "Timeline (3)" in flat


def test_long_text_is_trimmed_around_the_span() -> None:
    long_text = "Filler words here. " * 60 + "THE KEY CLAIM" + " More filler after." * 60
    start = long_text.index("THE KEY CLAIM")
    case = case_from_mapping(case_mapping(statements=[
        {"id": "S1", "by": "P1", "text": long_text},
        {"id": "S2", "by": "P1", "text": "x " * 400},
    ]))
    finding = Finding("contradiction", ("S1", "S2"), 0.5, "because",
                      (Span("S1", start, start + 13),))
    out, console = _render(case, Analysis(case="test-case", findings=(finding,)))
    assert "THE KEY CLAIM" in _marked_texts(console)
    assert "…" in out
    assert out.count("Filler words here.") < 20 and out.count("More filler after.") < 20


def test_markup_and_escape_sequences_in_case_text_are_inert() -> None:
    hostile = "[bold red]fake[/] \x1b[2J\x1b]8;;http://evil\x07link"
    case = case_from_mapping(case_mapping(
        people=[{"id": "P1", "name": "[link=http://evil]Eve[/link]", "role": "reporter"}],
        statements=[{"id": "S1", "by": "P1", "text": hostile},
                    {"id": "S2", "by": "P1", "text": "other"}]))
    finding = Finding("contradiction", ("S1", "S2"), 0.9, "[blink]x[/blink]")
    out, _ = _render(case, Analysis(case="test-case", findings=(finding,)))
    assert "[bold red]fake[/]" in out
    assert "[link=http://evil]Eve[/link]" in out
    assert "[blink]x[/blink]" in out
    assert "\x1b" not in out and "\x07" not in out


def test_unknown_refs_and_bad_spans_do_not_crash(case: Case) -> None:
    finding = Finding("contradiction", ("S1", "S99"), 0.4, "odd",
                      (Span("S1", -5, 10_000), Span("S99", 0, 3), Span("S1", 7, 2)))
    other = dataclasses.replace(finding, kind="new_kind", refs=("S2",))
    out, _ = _render(case, Analysis(case="test-case", findings=(finding, other)))
    flat = _flat(out)
    assert "S99 · (not in this case)" in flat
    assert "new_kind" in flat


def test_weak_findings_are_listed_one_line_each(case: Case) -> None:
    findings = tuple(Finding("contradiction", ("S1", "S2"), 0.9 - i / 20, f"reason {i}")
                     for i in range(9))
    flat = _flat(_render(case, Analysis(case="test-case", findings=findings))[0])
    assert "3 more, with lower scores:" in flat
    assert "9. S1 ↔ S2 score 0.50 reason 8" in flat
