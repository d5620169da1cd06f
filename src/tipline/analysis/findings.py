"""What the analyzer returns: findings and a timeline, in the shape of shared/case-format.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tipline import __version__

KINDS = ("contradiction", "evidence_conflict", "evasion", "probing", "reporter_implicated")


@dataclass(frozen=True)
class Span:
    ref: str
    start: int
    end: int


@dataclass(frozen=True)
class Finding:
    kind: str
    refs: tuple[str, ...]
    score: float
    explanation: str
    spans: tuple[Span, ...] = ()
    judge: str = ""  # which judge asserted it; not part of the contract, kept for reports

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "refs": list(self.refs),
            "score": round(float(self.score), 3),
            "explanation": self.explanation,
        }
        if self.spans:
            out["spans"] = [{"ref": s.ref, "start": s.start, "end": s.end} for s in self.spans]
        if self.judge:
            out["judge"] = self.judge
        return out


@dataclass(frozen=True)
class Amount:
    min: float
    max: float
    currency: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"min": _num(self.min), "max": _num(self.max), "currency": self.currency}


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    precision: str
    refs: tuple[str, ...]
    text: str
    amount: Amount | None = None
    sort_key: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "at": self.at, "precision": self.precision, "refs": list(self.refs), "text": self.text,
        }
        if self.amount is not None:
            out["amount"] = self.amount.to_dict()
        return out


@dataclass(frozen=True)
class Analysis:
    case: str
    findings: tuple[Finding, ...]
    timeline: tuple[TimelineEntry, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "tipline_version": __version__,
            "findings": [f.to_dict() for f in self.findings],
            "timeline": [t.to_dict() for t in self.timeline],
        }


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
