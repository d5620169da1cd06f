"""Normalised date and amount mentions shared by the analyzer's judges.

Dates are half-open intervals and amounts inclusive ranges, so that two facts
conflict only when their values provably cannot overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PRECISIONS = ("minute", "hour", "day", "week", "month", "season", "year", "range")


@dataclass(frozen=True)
class DateMention:
    """A date or time found in text, as a naive local interval [lo, hi)."""

    start: int
    end: int
    text: str
    lo: datetime
    hi: datetime
    precision: str


@dataclass(frozen=True)
class AmountMention:
    """A money amount found in text, as an inclusive range [lo, hi]."""

    start: int
    end: int
    text: str
    lo: float
    hi: float
    currency: str | None
    approximate: bool


def intervals_disjoint(a: DateMention, b: DateMention) -> bool:
    """True when the two half-open intervals cannot share any instant."""
    return a.hi <= b.lo or b.hi <= a.lo


def ranges_disjoint(a: AmountMention, b: AmountMention, tolerance: float = 0.0) -> bool:
    """True when the ranges cannot overlap, even widened by `tolerance` (a fraction).

    Amounts in two different stated currencies are never reported as disjoint:
    without exchange rates the comparison proves nothing.
    """
    if a.currency and b.currency and a.currency != b.currency:
        return False
    a_lo, a_hi = a.lo * (1 - tolerance), a.hi * (1 + tolerance)
    b_lo, b_hi = b.lo * (1 - tolerance), b.hi * (1 + tolerance)
    return a_hi < b_lo or b_hi < a_lo
