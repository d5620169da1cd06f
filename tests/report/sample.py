"""A small case and a hand-made analysis with every finding kind: the reports must be checked
against findings of every shape, whatever the engine happens to find today."""

from __future__ import annotations

from typing import Any

from tipline.analysis.findings import Amount, Analysis, Finding, Span, TimelineEntry

S1 = "A man from an agency contacted me. I refused to give him anything and reported it."
S2 = "I sold him some photographs of the range for money because I owed rent."
S3 = "I don't remember exactly, it was a busy time, and why does that matter?"
S4 = "Before I say more, can you tell me whether you are already looking into me?"
E1 = "Transfer of 4,500 EUR from Meridian Insight Ltd to the account of P1."
E2 = "Phone of P1 located inside the restricted perimeter on 2024-10-12 at 06:40."


def _span(ref: str, text: str, piece: str) -> Span:
    start = text.index(piece)
    return Span(ref, start, start + len(piece))


def case_mapping(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "test-case",
        "language": "en",
        "received_at": "2025-03-14T10:00:00+01:00",
        "channel": "hotline",
        "category": "espionage",
        "reporter": "P1",
        "people": [
            {"id": "P1", "name": "Daniel Roth", "role": "reporter"},
            {"id": "P2", "name": "Officer Lund", "role": "officer"},
        ],
        "statements": [
            {"id": "S1", "by": "P1", "setting": "hotline call", "text": S1},
            {"id": "S2", "by": "P1", "setting": "interview 2", "text": S2},
            {"id": "S3", "by": "P1", "setting": "interview 1",
             "question": "When did you first meet him?", "text": S3},
            {"id": "S4", "by": "P1", "setting": "hotline call", "text": S4},
        ],
        "evidence": [
            {"id": "E1", "kind": "bank_transfer", "at": "2024-10-20", "text": E1},
            {"id": "E2", "kind": "location", "at": "2024-10-12", "text": E2},
        ],
    }
    data.update(overrides)
    return data


def full_analysis(case_id: str = "test-case") -> Analysis:
    """One finding of every kind, with spans, and a timeline with an amount."""
    return Analysis(
        case=case_id,
        findings=(
            Finding("contradiction", ("S1", "S2"), 0.93,
                    "S1 says he refused; S2 says he sold photographs.",
                    (_span("S1", S1, "I refused to give him anything"),
                     _span("S2", S2, "I sold him some photographs"))),
            Finding("evidence_conflict", ("S1", "E1"), 0.88,
                    "S1 says he gave nothing; E1 shows a payment to him.",
                    (_span("S1", S1, "refused"), _span("E1", E1, "4,500 EUR"))),
            Finding("evasion", ("S3",), 0.71, "The answer names no date and turns the question.",
                    (_span("S3", S3, "I don't remember exactly"),
                     _span("S3", S3, "why does that matter?"))),
            Finding("probing", ("S4",), 0.66, "He asks whether he is under investigation.",
                    (_span("S4", S4, "whether you are already looking into me"),)),
            Finding("reporter_implicated", ("E1", "E2"), 0.9,
                    "The payment and the phone location put the reporter among the actors.",
                    (_span("E2", E2, "inside the restricted perimeter"),)),
        ),
        timeline=(
            TimelineEntry("2024-10-12", "day", ("E2",), "Phone of P1 inside the perimeter."),
            TimelineEntry("2024-10-20", "day", ("E1",), "Payment from Meridian Insight.",
                          Amount(4500, 4500, "EUR")),
            TimelineEntry("2024-09", "month", ("S2",), "He sold the photographs.",
                          Amount(1000, 9999, "EUR")),
        ),
    )
