"""The timeline: every dated fact of the case, normalised, in order."""

from __future__ import annotations

from collections.abc import Sequence

from tipline.analysis.facts import Item
from tipline.analysis.findings import Amount, TimelineEntry
from tipline.analysis.mentions import AmountMention, DateMention

_FORMATS = {"year": "%Y", "month": "%Y-%m", "season": "%Y-%m", "week": "%Y-%m-%d",
            "day": "%Y-%m-%d", "hour": "%Y-%m-%dT%H:%M", "minute": "%Y-%m-%dT%H:%M",
            "range": "%Y-%m-%d"}
_MAX_TEXT = 160


def build_timeline(items: Sequence[Item]) -> list[TimelineEntry]:
    """Dates said in statements and records, plus each record's own date, oldest first."""
    entries: list[TimelineEntry] = []
    for item in items:
        for sentence in item.sentences:
            amount = sentence.amounts[0] if sentence.amounts else None
            for mention in sentence.dates:
                entries.append(_entry(mention, item.ref, sentence.text, amount))
        if item.kind == "evidence" and item.at is not None and not item.dates:
            amount = item.amounts[0] if item.amounts else None
            precision = "day" if item.at.time() == item.at.min.time() else "minute"
            entries.append(TimelineEntry(
                at=item.at.strftime(_FORMATS[precision]), precision=precision, refs=(item.ref,),
                text=_trim(item.text), amount=_amount(amount), sort_key=item.at.isoformat(),
            ))
    unique = {(e.at, e.precision, e.refs): e for e in reversed(entries)}  # first mention wins
    return sorted(unique.values(), key=lambda e: (e.sort_key, e.refs))


def _entry(m: DateMention, ref: str, text: str, amount: AmountMention | None) -> TimelineEntry:
    precision = m.precision if m.precision in _FORMATS else "range"
    at = m.lo.strftime(_FORMATS[precision])
    if precision == "range":
        at = f"{m.lo:%Y-%m-%d}/{m.hi:%Y-%m-%d}"
    return TimelineEntry(at=at, precision=precision, refs=(ref,), text=_trim(text),
                         amount=_amount(amount), sort_key=m.lo.isoformat())


def _amount(m: AmountMention | None) -> Amount | None:
    return None if m is None else Amount(min=m.lo, max=m.hi, currency=m.currency)


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"
