"""Layout of the timeline picture: dates onto an axis, one row per entry.

Only numbers and plain strings come out of here; the template draws them with Jinja2
autoescaping, so entry text never reaches the page unescaped.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tipline.analysis.findings import TimelineEntry
from tipline.report.common import amount_text, clean, date_label, trim_end

WIDTH = 960
MARGIN = 24
ROW = 26
TOP = 18
LABEL_CHARS = 64
CHAR_PX = 6.6  # an average 12px sans-serif character, to decide which side a label goes

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Item:
    """One entry placed on the picture; x1..x2 is the interval the date may lie in."""

    x1: float
    x2: float
    cx: float
    y: float
    label: str
    amount: str
    title: str
    evidence: bool
    interval: bool
    label_x: float
    anchor: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str

    @property
    def anchor(self) -> str:
        """Edge labels grow inwards so they are not cut off by the picture's border."""
        return "start" if self.x < 60 else "end" if self.x > WIDTH - 60 else "middle"


@dataclass
class Picture:
    """Everything the template needs to draw the axis and the entries."""

    width: int = WIDTH
    height: int = 0
    axis_y: float = 0
    items: list[Item] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)


def interval(at: str) -> tuple[float, float] | None:
    """The days (since 1970) an `at` value may cover: a day, a month, a quarter, a year,
    an ISO 'start/end' pair; None when the value is not a date we can place."""
    text = at.strip()
    if "/" in text:
        parts = [interval(p) for p in text.split("/", 1)]
        if parts[0] and parts[1] and parts[0][0] <= parts[1][1]:
            return parts[0][0], parts[1][1]
        return None
    for pattern, span in ((_MONTH, "month"), (_QUARTER, "quarter"), (_YEAR, "year")):
        match = pattern.match(text)
        if match:
            return _calendar_interval(int(match.group(1)), match.groups()[1:], span)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    day = _days(moment.date()) + (moment.hour * 60 + moment.minute) / 1440
    return day, day + (1.0 if len(text) <= 10 else 0.0)


def _calendar_interval(year: int, rest: tuple[str | None, ...], span: str
                       ) -> tuple[float, float] | None:
    try:
        if span == "year":
            return _days(date(year, 1, 1)), _days(date(year + 1, 1, 1))
        number = int(rest[0] or 1)
        first = number if span == "month" else 3 * number - 2
        months = 1 if span == "month" else 3
        start = date(year, first, 1)
        return _days(start), _days(_add_months(start, months))
    except ValueError:
        return None


def _days(day: date) -> float:
    return float((day - _EPOCH).days)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def layout(entries: tuple[TimelineEntry, ...], evidence_ids: set[str]) -> Picture:
    """Place the datable entries in date order, one row each, with axis ticks below."""
    placed = [(interval(e.at), e) for e in entries]
    dated = sorted(((iv, e) for iv, e in placed if iv), key=lambda p: (p[0][0], p[0][1]))
    picture = Picture(unplaced=[_label(e) for iv, e in placed if iv is None])
    if not dated:
        return picture
    low, high = _bounds([iv for iv, _ in dated])
    scale = (WIDTH - 2 * MARGIN) / (high - low)

    def x_of(day: float) -> float:
        return round(MARGIN + (day - low) * scale, 1)

    for row, ((start, end), entry) in enumerate(dated):
        picture.items.append(_item(entry, x_of(start), x_of(end), TOP + row * ROW,
                                   evidence_ids))
    picture.axis_y = TOP + len(dated) * ROW
    picture.height = int(picture.axis_y + 34)
    picture.ticks = [Tick(x_of(day), text) for day, text in ticks(low, high)]
    return picture


def _bounds(intervals: list[tuple[float, float]]) -> tuple[float, float]:
    """The axis range: all intervals, a little padding, never a zero-width axis."""
    low = min(start for start, _ in intervals)
    high = max(end for _, end in intervals)
    pad = max((high - low) * 0.04, 10.0)
    return low - pad, high + pad


def _item(entry: TimelineEntry, x1: float, x2: float, y: float, evidence_ids: set[str]
          ) -> Item:
    """An entry's row: the label goes on the side with more room, shortened to fit it."""
    cx = round((x1 + x2) / 2, 1)
    amount = amount_text(entry.amount)
    right, left = max(x2, cx) + 8, min(x1, cx) - 8
    label = _label(entry)
    need = _cells(label) + _cells(amount) + 3
    on_right = right + need * CHAR_PX <= WIDTH - 12 or WIDTH - right >= left
    room = (WIDTH - 12 - right) if on_right else (left - 4)
    fit = int(room / CHAR_PX) - _cells(amount) - 3
    while _cells(label) > max(fit, 8) and len(label) > 8:
        label = label[: -max(1, (_cells(label) - fit) // 2)].rstrip()
    if label != _label(entry):
        label += "…"
    return Item(
        x1=x1, x2=max(x2, x1 + 1), cx=cx, y=y, label=label, amount=amount,
        title=clean(entry.text).strip(),
        evidence=bool(entry.refs) and all(r in evidence_ids for r in entry.refs),
        interval=x2 - x1 >= 3, label_x=right if on_right else left,
        anchor="start" if on_right else "end",
    )


def _cells(text: str) -> int:
    """Width in average Latin characters: CJK and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _label(entry: TimelineEntry) -> str:
    refs = ", ".join(entry.refs)
    text = trim_end(clean(entry.text).strip(), LABEL_CHARS)
    at = date_label(entry.at)
    return clean(f"{at} · {refs} · {text}" if refs else f"{at} · {text}")


def ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Round dates to mark the axis with: years, months or days, at most about ten."""
    span = high - low
    if span > 3 * 366:
        step = max(1, math.ceil(span / 365.25 / 10))
        return _month_ticks(low, high, 12 * step, "%Y")
    if span > 75:
        step = next(s for s in (1, 2, 3, 6, 12) if span / (30.4 * s) <= 10)
        return _month_ticks(low, high, step, "%b %Y")
    step = next(s for s in (1, 2, 7, 14, 28) if span / s <= 10)
    first = _EPOCH + timedelta(days=math.ceil(low))
    days = [first + timedelta(days=i) for i in range(0, int(high - low) + 1, step)]
    return [(_days(d), d.strftime("%d %b")) for d in days if _days(d) <= high]


def _month_ticks(low: float, high: float, step: int, fmt: str) -> list[tuple[float, str]]:
    start = _EPOCH + timedelta(days=math.ceil(low))
    tick = _add_months(date(start.year, start.month, 1), 1 if start.day > 1 else 0)
    if step % 12 == 0:
        tick = date(tick.year + (1 if tick.month > 1 else 0), 1, 1)
    elif step > 1:
        tick = _add_months(tick, (-(tick.month - 1)) % step)
    out: list[tuple[float, str]] = []
    while _days(tick) <= high:
        out.append((_days(tick), tick.strftime(fmt)))
        tick = _add_months(tick, step)
    return out
