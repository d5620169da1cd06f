"""Dates and times as exports write them: numeric in any locale's order (inferred from the
whole file), month names, Chinese 年月日 and 上午/下午, 12- and 24-hour clocks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone

ORDERS = ("dmy", "mdy", "ymd")
_NUMERIC = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})\.?$")
_CJK_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTHS = {m: i + 1 for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split())}
_NAMED_DMY = re.compile(r"^(\d{1,2})[\s./-]*([A-Za-z]{3,9})\.?[\s,./-]*(\d{2,4})$")
_NAMED_MDY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{2,4})$")
TIME = re.compile(
    r"(?:(?P<pre>上午|下午|中午|晚上|凌晨|早上)\s*)?(?P<h>\d{1,2})[:.](?P<m>\d{2})"
    r"(?:[:.](?P<s>\d{2}))?(?:[.,]\d+)?"
    r"(?:[\s\u202f\u00a0]*(?P<post>[AaPp]\.?\s?[Mm]\.?|上午|下午))?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}))?")
_PM = {"下午", "晚上"}
_AM = {"上午", "凌晨", "早上"}


class DateProblem(ValueError):
    """A value that is not a date the importer can read."""


def numeric_parts(value: str) -> tuple[str, str, str] | None:
    m = _NUMERIC.match(value.strip())
    return (m.group(1), m.group(2), m.group(3)) if m else None


def infer_order(dates: Sequence[str], default: str = "dmy") -> tuple[str, bool]:
    """The day/month order of numeric dates in one file: (order, ambiguous).

    A year first means y/m/d; a first number over 12 means d/m, a second over 12 means m/d.
    When every value fits both, the order under which the dates run most steadily (exports
    are in time order, oldest or newest first: fewest reversals, then smallest steps) wins;
    a tie falls back on `default`."""
    parts = [p for p in (numeric_parts(d) for d in dates) if p]
    if not parts:
        return default, False
    if all(len(a) == 4 for a, _, _ in parts):
        return "ymd", False
    first_big = any(int(a) > 12 for a, _, _ in parts)
    second_big = any(int(b) > 12 for _, b, _ in parts)
    if first_big and not second_big:
        return "dmy", False
    if second_big and not first_big:
        return "mdy", False
    if first_big and second_big:
        raise DateProblem("dates fit neither day/month nor month/day order")
    scores: dict[str, tuple[int, int]] = {}
    for order in ("dmy", "mdy"):
        try:
            seq = [_ymd(p, order) for p in parts]
        except DateProblem:
            scores[order] = (len(parts) + 1, 0)
            continue
        steps = [(b - a).days for a, b in zip(seq, seq[1:], strict=False)]
        signs = [s > 0 for s in steps if s]
        turns = sum(1 for x, y in zip(signs, signs[1:], strict=False) if x != y)
        scores[order] = (turns, sum(abs(s) for s in steps))
    if scores["dmy"] == scores["mdy"]:
        return (default if default in ("dmy", "mdy") else "dmy"), True
    return min(scores, key=lambda k: scores[k]), False


def _year(text: str) -> int:
    y = int(text)
    if len(text) <= 2:
        y += 2000 if y < 70 else 1900
    return y


def _ymd(parts: tuple[str, str, str], order: str) -> date:
    a, b, c = parts
    if len(a) == 4:
        order = "ymd"
    y, m, d = {"dmy": (c, b, a), "mdy": (c, a, b), "ymd": (a, b, c)}[order]
    try:
        return date(_year(y), int(m), int(d))
    except ValueError as exc:
        raise DateProblem(f"impossible date ({exc})") from None


def parse_date(text: str, order: str = "dmy") -> date:
    """One date without its time, in any of the layouts above."""
    value = text.strip().rstrip(",")
    parts = numeric_parts(value)
    if parts:
        return _ymd(parts, order)
    for pattern in (_CJK_DATE, _COMPACT):
        m = pattern.match(value)
        if m:
            return _ymd((m.group(1), m.group(2), m.group(3)), "ymd")
    m = _NAMED_DMY.match(value)
    if m and m.group(2)[:3].lower() in MONTHS:
        return _ymd((m.group(1), str(MONTHS[m.group(2)[:3].lower()]), m.group(3)), "dmy")
    m = _NAMED_MDY.match(value)
    if m and m.group(1)[:3].lower() in MONTHS:
        return _ymd((m.group(2), str(MONTHS[m.group(1)[:3].lower()]), m.group(3)), "dmy")
    raise DateProblem(f"{text.strip()!r} is not a date")


def parse_time(text: str) -> tuple[time, timezone | None]:
    """A clock reading: 21:15, 21:15:42, 9:15 PM, 9:15 p.m., 下午9:15, with an optional
    offset (Z, +08:00)."""
    m = TIME.fullmatch(text.strip())
    if not m:
        raise DateProblem(f"{text.strip()!r} is not a time")
    hour, minute = int(m.group("h")), int(m.group("m"))
    second = int(m.group("s") or 0)
    marker = (m.group("pre") or m.group("post") or "").lower().replace(".", "").replace(" ", "")
    if marker in ("pm", *_PM) and hour < 12:
        hour += 12
    elif marker in ("am", *_AM) and hour == 12:
        hour = 0
    elif marker == "中午" and hour < 11:
        hour += 12
    tz = None
    if m.group("tz"):
        raw = m.group("tz")
        if raw == "Z":
            tz = UTC
        else:
            sign = 1 if raw[0] == "+" else -1
            digits = raw[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return time(hour, minute, second), tz
    except ValueError:
        raise DateProblem(f"{text.strip()!r} is not a time of day") from None


def parse_moment(text: str, order: str = "dmy") -> datetime | date:
    """A date with an optional time after it (space, comma or T between): a date alone
    stays a date. ISO 8601 with an offset keeps the offset."""
    value = text.strip()
    if not value:
        raise DateProblem("is empty")
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", value):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    m = re.match(r"^(.*?[\d日])(?:[\sT,]+|(?=[上下中晚凌早]))(\S*\d{1,2}[:.]\d{2}.*)$", value)
    if m:
        try:
            day = parse_date(m.group(1), order)
        except DateProblem as exc:
            if "impossible" in str(exc):
                raise DateProblem(f"{value!r}: {exc}") from None
            day = None
        if day is not None:
            clock, tz = parse_time(m.group(2))
            return datetime.combine(day, clock, tz)
    return parse_date(value, order)


def date_part(text: str) -> str:
    """The date before any time, for order inference."""
    return re.split(r"[\sT,]+|(?=[上下中晚凌早])", text.strip(), maxsplit=1)[0]
