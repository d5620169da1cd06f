"""Cutting a quote into marked pieces: offsets are honoured, bad spans never crash."""

from __future__ import annotations

from tipline.analysis.findings import Span
from tipline.report.common import Piece, clean, quote_pieces, split_marked, trim_middle


def test_split_marks_exact_substrings_and_merges_overlaps() -> None:
    text = "alpha beta gamma delta"
    pieces = split_marked(text, [Span("S", 6, 10), Span("S", 8, 16), Span("S", 0, 0)])
    assert pieces == [Piece("alpha "), Piece("beta gamma", True), Piece(" delta")]


def test_out_of_range_spans_are_clamped() -> None:
    assert split_marked("abc", [Span("S", -3, 99)]) == [Piece("abc", True)]
    assert split_marked("abc", [Span("S", 5, 9)]) == [Piece("abc")]


def test_clean_keeps_length_of_controls_and_neutralises_bidi() -> None:
    assert clean("a\x1b[31mb") == "a\ufffd[31mb"
    assert "\u202e" not in clean("x\u202ey")
    assert clean("one\n   two") == "one two"


def test_unmarked_long_text_keeps_start_and_end() -> None:
    text = "start " + "middle " * 100 + "end"
    trimmed = trim_middle(text, 60)
    assert trimmed.startswith("start") and trimmed.endswith("end") and " … " in trimmed
    assert len(trimmed) <= 64


def test_quote_keeps_marks_whole_when_trimming() -> None:
    text = "x" * 500 + " KEY " + "y" * 500
    start = text.index("KEY")
    pieces = quote_pieces(text, [Span("S", start, start + 3)], 100)
    assert Piece("KEY", True) in pieces
    assert sum(len(p.text) for p in pieces) < 200
