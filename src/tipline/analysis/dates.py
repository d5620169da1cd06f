"""Dates and times in English and Chinese free text, normalised to intervals.

English goes through Duckling (time dimension only), Chinese through jionlp's
``extract_time``. Both are steered towards the past, because reports describe
what already happened: Duckling resolves "mid-August" or "Friday" to the next
occurrence, which we move back. Our own rules cover what neither library does:
"the night before", "上个月", vague "ago" phrases, am/pm guesses for "ten thirty",
lunar months as fuzzy ranges, and dropping Duckling's readings of amounts.
"""

from __future__ import annotations

import calendar
import contextlib
import io
import logging
import re
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from tipline.analysis.amounts import find_amounts
from tipline.analysis.mentions import DateMention, intervals_disjoint

__all__ = ["DateMention", "find_dates", "intervals_disjoint"]

_GRAIN_PRECISION = {
    "second": "minute", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
    "month": "month", "quarter": "month", "year": "year",
}  # fmt: skip
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAYS = r"mon|tue|wed|thu|fri|sat|sun"
_EN_PRECHECK = re.compile(
    rf"\d|\b(?:{_MONTHS}|{_WEEKDAYS})|ago\b|yesterday|today|tonight|tomorrow|last|this|"
    r"next|week|month|year|spring|summer|autumn|fall\b|winter|noon|midnight|morning|"
    r"evening|night|afternoon|since|before|easter|christmas|o'clock|"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(r"\b(?:next|tomorrow|coming|upcoming|tonight|later)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_MONTH_WORD = re.compile(
    rf"\b(?:{_MONTHS})\b|\beaster\b|\bchristmas\b|spring|summer|autumn|fall|winter", re.I
)
_WEEKDAY_WORD = re.compile(rf"\b(?:{_WEEKDAYS})[a-z]*\b|\bweekend\b", re.IGNORECASE)
_AMPM_IN_BODY = re.compile(
    r"(?<![a-z])(?:a\.?m\.?|p\.?m\.?)(?![a-z])|"
    r"\b(?:noon|midnight|morning|evening|night|afternoon|tonight)\b|"
    r"\b(?:1[3-9]|2[0-3]|0\d):\d\d",
    re.IGNORECASE,
)
_EVENING_CUE = re.compile(
    r"\b(?:p\.?m\.?|evening|night|tonight|dinner|drinks?|pub|bar|shift|bed|home|late)\b", re.I
)
_MORNING_CUE = re.compile(r"\b(?:a\.?m\.?|morning|breakfast)\b", re.IGNORECASE)
_APPROX = re.compile(r"\b(?:around|about|roughly|approximately|circa|sometime|some time)\b", re.I)
_JUNK_BODY = re.compile(
    r"(?:[Tt]he\s+)?(?:day|week|month|year|years|first|second|third|moment|time|fall|now)|"
    r"sat|sun|mon|wed|may|march|"
    r"(?:(?:at|on|by|from|in|until|till|about|around)\s+)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s*a)?|"
    r"\d+\s+by\s+\d+|\d{3}\s.*",
)
_RECURRING_NEXT = re.compile(r"s\b|\s+(?:nights|evenings|mornings|afternoons)\b")
_HABITUAL_BEFORE = re.compile(r"\b(?:every|each|on\s+an?|most|any)\s+$", re.IGNORECASE)
_CLOCK_FOLLOWERS = {
    "am", "pm", "a", "p", "o", "sharp", "in", "at", "on", "that", "and", "or", "when", "so",
    "then", "last", "this", "the", "tonight", "yesterday", "i", "he", "she", "we", "they",
    "it", "but", "until", "till", "before", "after", "to", "with", "is", "was",
}  # fmt: skip
_TRAILING_NUM = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})$", re.I
)
_AGO = re.compile(
    r"^(?:about\s+|around\s+)?(?P<n>a\s+few|a\s+couple\s+of|several|\w+)\s+"
    r"(?P<unit>day|week|month|year)s?\s+ago$",
    re.IGNORECASE,
)
_BY = re.compile(r"^(?:by|before|until|till)\s", re.IGNORECASE)
_NIGHT_BEFORE = re.compile(r"\bthe\s+(?:night|evening|day)\s+before\b", re.IGNORECASE)
_SEASON = re.compile(r"spring|summer|autumn|fall|winter", re.IGNORECASE)
_APPROX_PAD = {
    "minute": timedelta(minutes=15), "hour": timedelta(hours=1), "day": timedelta(days=2),
    "week": timedelta(days=3), "month": timedelta(days=15),
}  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _add_months(d: datetime, n: int) -> datetime:
    """First day of the month `n` months after d's month."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return datetime(y, m + 1, 1)


def _grain_end(lo: datetime, grain: str) -> datetime:
    """Exclusive end of the grain-sized period starting at lo."""
    steps = {
        "second": timedelta(seconds=1), "minute": timedelta(minutes=1),
        "hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
    }  # fmt: skip
    if grain in steps:
        return lo + steps[grain]
    if grain == "month":
        return _add_months(lo, 1)
    if grain == "quarter":
        return _add_months(lo, 3)
    return datetime(lo.year + 1, 1, 1)


def _shift_years(d: datetime, n: int) -> datetime:
    """d moved by n years, clamping 29 February."""
    day = min(d.day, calendar.monthrange(d.year + n, d.month)[1])
    return d.replace(year=d.year + n, day=day)


def _day_start(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- English


@cache
def _duckling() -> tuple[Any, Any, Any]:
    """Duckling module, time-zone db and dimensions, built once (they are expensive)."""
    import duckling

    tz = duckling.load_time_zones("/usr/share/zoneinfo")
    dims = duckling.parse_dimensions(["time"])
    return duckling, tz, dims


@lru_cache(maxsize=4096)
def _duckling_context(anchor: datetime) -> Any:
    """Duckling context for a naive anchor; naive local times are passed as UTC."""
    duckling, tz, _ = _duckling()
    ref = duckling.parse_ref_time(tz, "UTC", calendar.timegm(anchor.timetuple()))
    locale = duckling.default_locale_lang(duckling.parse_lang("EN"))
    return duckling.Context(ref, locale)


def _iso(value: str) -> datetime:
    """Naive datetime from Duckling's ISO string (always +00:00 here)."""
    return datetime.fromisoformat(value).replace(tzinfo=None)


def _ambiguous_clock(body: str, grain: str) -> bool:
    """True for a 12-hour clock time without an am/pm cue ('ten thirty', '10:45')."""
    return grain in ("hour", "minute", "second") and not _AMPM_IN_BODY.search(body)


def _resolve_clock(text: str, lo: datetime) -> tuple[datetime, datetime] | None:
    """Pick am or pm from cues in the sentence; None when nothing decides it."""
    am = lo.replace(hour=lo.hour % 12)
    if _MORNING_CUE.search(text):
        return am, am
    if _EVENING_CUE.search(text):
        pm = am + timedelta(hours=12)
        return pm, pm
    return None


def _duckling_value(v: dict[str, Any]) -> tuple[datetime | None, datetime | None, str]:
    """(lo, hi, grain) from one Duckling value; hi None for a point value."""
    if v.get("type") == "interval":
        lo = _iso(v["from"]["value"]) if "from" in v else None
        hi = _iso(v["to"]["value"]) if "to" in v else None
        grain = (v.get("from") or v.get("to") or {}).get("grain", "day")
        return lo, hi, "interval:" + grain
    return _iso(v["value"]), None, v.get("grain", "day")


def _past_bias(
    body: str, lo: datetime, hi: datetime, anchor: datetime
) -> tuple[datetime, datetime]:
    """Move a future reading back: reports describe the past ('mid-August', 'Friday')."""
    if lo <= anchor or _YEAR.search(body) or _FUTURE.search(body):
        return lo, hi
    if _MONTH_WORD.search(body):  # Duckling may go years ahead to match a weekday:
        for _ in range(12):       # "Monday 14 July" said in November 2025 -> 2031
            if lo <= anchor + timedelta(days=2):
                break
            lo, hi = _shift_years(lo, -1), _shift_years(hi, -1)
        return lo, hi
    if _WEEKDAY_WORD.search(body) or re.search(r"\bweekend\b", body, re.IGNORECASE):
        while lo > anchor:
            lo, hi = lo - timedelta(days=7), hi - timedelta(days=7)
        return lo, hi
    if hi - lo == timedelta(days=1) and lo.hour == 0:  # "the 1st": last such day
        for n in range(1, 13):
            if _add_months(lo, -n).replace(day=min(lo.day, 28)) <= anchor:
                back = _add_months(lo, -n)
                day = min(lo.day, calendar.monthrange(back.year, back.month)[1])
                return back.replace(day=day), back.replace(day=day) + timedelta(days=1)
        return lo, hi
    if lo.date() != anchor.date() and hi - lo < timedelta(days=1):
        delta = timedelta(days=(lo.date() - anchor.date()).days)  # clock time: anchor's day
        return lo - delta, hi - delta
    return lo, hi


def _ago_interval(body: str, anchor: datetime) -> tuple[datetime, datetime, str] | None:
    """Widen 'three weeks ago' / 'a few weeks ago' / 'two years ago' to honest ranges."""
    m = _AGO.match(body.strip())
    if not m:
        return None
    n_text, unit = m.group("n").lower(), m.group("unit").lower()
    if n_text in ("a few", "several"):
        lo_n, hi_n = 2, 6
    elif n_text == "a couple of":
        lo_n, hi_n = 2, 3
    else:
        n = _EN_SMALL.get(n_text) or (int(n_text) if n_text.isdigit() else None)
        if n is None:
            return None
        lo_n = hi_n = n
    day = _day_start(anchor)
    if unit == "day":
        return day - timedelta(days=hi_n), day - timedelta(days=lo_n - 1), "day"
    if unit == "week":
        lo = day - timedelta(days=7 * hi_n + 3)
        return lo, day - timedelta(days=7 * lo_n - 4), "week"
    if unit == "month":
        return _add_months(day, -hi_n), _add_months(day, 1 - lo_n), "month"
    return datetime(anchor.year - hi_n, 1, 1), datetime(anchor.year - lo_n + 1, 1, 1), "year"


_EN_SMALL = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip


def _en_from_match(text: str, r: dict[str, Any], anchor: datetime) -> DateMention | None:
    """One Duckling match as a DateMention, with our corrections applied."""
    start, end = r["start"], r["end"]
    body = text[start:end]  # the text's own, not Duckling's copy (see _NOT_FOR_DUCKLING)
    ago = _ago_interval(body, anchor)
    if ago is not None:
        return DateMention(start, end, body, ago[0], ago[1], ago[2])
    values = r["value"].get("values") or [r["value"]]
    lo_opt, hi_opt, grain = _duckling_value(values[0])
    if lo_opt is None and hi_opt is None:
        return None
    if grain.startswith("interval:"):
        return _en_interval(text, body, start, end, lo_opt, hi_opt, anchor)
    assert lo_opt is not None
    lo, hi = lo_opt, _grain_end(lo_opt, grain)
    precision = _GRAIN_PRECISION.get(grain, "day")
    if _ambiguous_clock(body, grain):
        resolved = _resolve_clock(text, lo)
        if resolved is None:
            am = lo.replace(hour=lo.hour % 12)
            lo, hi, precision = am, _grain_end(am, grain) + timedelta(hours=12), "range"
        else:
            lo, hi = resolved[0], _grain_end(resolved[0], grain)
    lo, hi = _past_bias(body, lo, hi, anchor)
    if _APPROX.search(body) and precision in _APPROX_PAD:
        lo, hi = lo - _APPROX_PAD[precision], hi + _APPROX_PAD[precision]
    return DateMention(start, end, body, lo, hi, precision)


def _is_clock(body: str) -> bool:
    """True when an interval is about a time of day rather than about days."""
    return bool(
        re.search(r"\d:\d|o'clock|\b(?:noon|midnight)\b|[ap]\.?m\b", body, re.I)
        or _TRAILING_NUM.search(body.rstrip(" ."))
        or re.search(r"thirty|fifteen|forty|half|quarter", body)
    )


def _en_interval(
    text: str,
    body: str,
    start: int,
    end: int,
    lo: datetime | None,
    hi: datetime | None,
    anchor: datetime,
) -> DateMention | None:
    """Duckling intervals: seasons, 'mid-August', 'since X', 'by ten thirty'."""
    clock = _is_clock(body)
    if _BY.match(body) and hi is not None and clock:  # "home by ten thirty": that day, until then
        t = hi
        if not _AMPM_IN_BODY.search(body):
            t = (_resolve_clock(text, t) or (t, t))[0]
        day = _day_start(anchor) if not _MONTH_WORD.search(body) else _day_start(t)
        t = day.replace(hour=t.hour, minute=t.minute)
        return DateMention(start, end, body, day, t + timedelta(minutes=1), "range")
    if lo is None:
        assert hi is not None
        return DateMention(start, end, body, hi - timedelta(days=90), hi, "range")
    if hi is None and clock:  # "after five", "from 23:41": a few hours from then
        if not _AMPM_IN_BODY.search(body):
            lo = (_resolve_clock(text, lo) or (lo, lo))[0]
        lo, _ = _past_bias(body, lo, lo + timedelta(minutes=1), anchor)
        return DateMention(start, end, body, lo, lo + timedelta(hours=6), "range")
    if hi is None:  # "since last autumn": from then until the statement
        lo, _ = _past_bias(body, lo, lo + timedelta(days=1), anchor)
        hi = max(anchor, lo + timedelta(days=1))
        return DateMention(start, end, body, lo, hi, "since")  # its start is what it claims
    lo, hi = _past_bias(body, lo, hi, anchor)
    precision = "season" if _SEASON.search(body) else "range"
    return DateMention(start, end, body, lo, hi, precision)


def _night_before(text: str, found: list[DateMention], anchor: datetime) -> list[DateMention]:
    """'the night before': the evening before the previous mention (or the anchor's day)."""
    out: list[DateMention] = []
    for m in _NIGHT_BEFORE.finditer(text):
        prev = [d for d in found if d.end <= m.start()]
        ref = _day_start(prev[-1].lo if prev else anchor)
        kind = m.group(0).split()[1].lower()
        if kind == "day":
            lo, hi = ref - timedelta(days=1), ref
        else:
            lo, hi = ref - timedelta(hours=6), ref + timedelta(hours=6)
        out.append(DateMention(m.start(), m.end(), m.group(0), lo, hi, "range"))
    return out


def _en_is_noise(text: str, start: int, end: int) -> bool:
    """Duckling readings that are not dates: '9th Avenue', 'aisle 14', '10 by 12',
    'four years' (a duration), 'sat' (the verb), recurring 'on Fridays'."""
    body = text[start:end]
    mid_word = (start > 0 and text[start - 1].isalnum()) or (
        end < len(text) and text[end].isalnum()
    )
    if mid_word and not _RECURRING_NEXT.match(text, end):
        return True
    if _JUNK_BODY.fullmatch(body.strip()):
        return True
    if body.lower().startswith("by") and re.search(r"\d\s*$", text[:start]):  # "10 by 12"
        return True
    if _RECURRING_NEXT.match(text, end) or re.search(r"(?:days|weekends)$", body, re.I):
        return True
    if _WEEKDAY_WORD.match(body) and _HABITUAL_BEFORE.search(text[max(0, start - 12):start]):
        return True  # "every Sunday night", "on a weekend": a habit, not one day
    if _TRAILING_NUM.search(body) and not re.search(r":|o'clock|[ap]\.?m", body, re.I):
        nxt = re.match(r"\s+([A-Za-z]+)", text[end:])
        if nxt and nxt.group(1).lower() not in _CLOCK_FOLLOWERS:
            return True
    return False


_PART_OF_DAY = re.compile(
    r"\b(?:all|the whole|the entire|that)\s+(morning|afternoon|evening|night)\b", re.IGNORECASE)
_PART_HOURS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30)}


def _part_of_day(text: str, anchor: datetime) -> list[DateMention]:
    """'all evening', 'that night': a part of the anchor's day (a `context` day moves it);
    Duckling reads none of these."""
    out = []
    for m in _PART_OF_DAY.finditer(text):
        first, last = _PART_HOURS[m.group(1).lower()]
        day = _day_start(anchor)
        out.append(DateMention(m.start(), m.end(), m.group(0), day + timedelta(hours=first),
                               day + timedelta(hours=last), "range"))
    return out


_PART_OF_YEAR = re.compile(r"\b(early|mid|late)[- ]((?:19|20)\d\d)\b", re.IGNORECASE)
_PART_MONTHS = {"early": (1, 6), "mid": (4, 10), "late": (8, 13)}


def _part_of_year(text: str) -> list[DateMention]:
    """'late 2024', 'early 2023': Duckling has no reading for these."""
    out = []
    for m in _PART_OF_YEAR.finditer(text):
        year, (first, last) = int(m.group(2)), _PART_MONTHS[m.group(1).lower()]
        hi = datetime(year + 1, 1, 1) if last == 13 else datetime(year, last, 1)
        out.append(
            DateMention(m.start(), m.end(), m.group(0), datetime(year, first, 1), hi, "range")
        )
    return out


# Duckling (Rust) panics on NUL and cannot take a lone surrogate (JSON's "\ud800" decodes to
# one): it reads a copy with each replaced by a space, so offsets stay the text's own.
_NOT_FOR_DUCKLING = re.compile("[\x00\ud800-\udfff]")


def _find_en(text: str, anchor: datetime) -> list[DateMention]:
    duckling, _, dims = _duckling()
    results = duckling.parse(_NOT_FOR_DUCKLING.sub(" ", text), _duckling_context(anchor), dims,
                             False)
    amounts = find_amounts(text, "en")
    found: list[DateMention] = []
    for r in results:
        if any(r["start"] < a.end and a.start < r["end"] for a in amounts):
            continue  # Duckling reads "about 20,000 RMB" as a time
        if _NIGHT_BEFORE.search(r["body"]) or _en_is_noise(text, r["start"], r["end"]):
            continue
        mention = _en_from_match(text, r, anchor)
        if mention is not None and 1900 <= mention.lo.year <= 2100:
            found.append(mention)
    found += _night_before(text, found, anchor)
    found += [
        d
        for d in _part_of_year(text) + _part_of_day(text, anchor)
        if not any(d.start < f.end and f.start < d.end for f in found)
    ]
    found.sort(key=lambda d: d.start)
    found = [_within_previous(d, found[i - 1] if i else None, text) for i, d in enumerate(found)]
    found = _the_weekday(found, text)
    return [
        _in_context(d, found[i - 1] if i else None, anchor) if _en_time_only(d.text) else d
        for i, d in enumerate(found)
    ]


def _within_previous(d: DateMention, prev: DateMention | None, text: str) -> DateMention:
    """'last autumn, in October': a month without a year that narrows the mention just before
    it lies inside that mention, not in the latest October."""
    if (prev is None or _YEAR.search(d.text) or d.start - prev.end > 15
            or prev.hi - prev.lo <= d.hi - d.lo or (prev.lo <= d.lo and d.hi <= prev.hi)
            or not re.fullmatch(r"[\s,;(]*(?:in|during|around)?\s*", text[prev.end:d.start])):
        return d
    for years in (-1, 1):
        lo, hi = _shift_years(d.lo, years), _shift_years(d.hi, years)
        if prev.lo <= lo and hi <= prev.hi:
            return DateMention(d.start, d.end, d.text, lo, hi, d.precision)
    return d


_THE_WEEKDAY = re.compile(r"(?:\bthe|\bthat)\s+$", re.IGNORECASE)


def _the_weekday(found: list[DateMention], text: str) -> list[DateMention]:
    """'between 10 pm on Friday 11 April and 2 am on the Saturday': a weekday said with 'the'
    or 'that' is the first such day from the day just named, not the one nearest the interview
    (a mention that then restates the one before it is dropped)."""
    out: list[DateMention] = []
    for d in found:
        prev = out[-1] if out else None
        if (prev is not None and prev.hi - prev.lo <= timedelta(days=3)
                and re.fullmatch(rf"(?:{_WEEKDAYS})[a-z]*", d.text.strip(), re.IGNORECASE)
                and _THE_WEEKDAY.search(text[max(0, d.start - 8):d.start])):
            ahead = (d.lo.weekday() - prev.lo.weekday()) % 7
            lo = _day_start(prev.lo) + timedelta(days=ahead)
            d = DateMention(d.start, d.end, d.text, lo, lo + (d.hi - d.lo), d.precision)
            if d.lo < prev.hi and prev.lo < d.hi:
                continue
        out.append(d)
    return out


def _en_time_only(body: str) -> bool:
    """True for a clock time with no day of its own ('at 22:58', 'by ten thirty')."""
    day_words = (
        rf"\b(?:{_MONTHS}|{_WEEKDAYS})|\d{{4}}|\d(?:st|nd|rd|th)\b|yesterday|today|tonight|"
        r"tomorrow|before|ago|week|month|year|day"
    )
    return not re.search(day_words, body, re.IGNORECASE)


# --------------------------------------------------------------------------- Chinese


@cache
def _jio() -> Any:
    """Import jionlp lazily and silently: it prints a banner to stdout on import."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    logging.getLogger().addFilter(_drop_jionlp_records)
    return jionlp


def _drop_jionlp_records(record: logging.LogRecord) -> bool:
    """jionlp logs full tracebacks to the root logger for strings it merely rejects."""
    return "jionlp" not in record.pathname


_ZH_PRECHECK = re.compile(r"[0-9０-９年月日号天周星期礼拜昨今前去上下午晚早夜点时春节腊正初底旬]")
_ZH_JUNK = re.compile(
    r"^(?:早上|上午|中午|下午|晚上|夜里|半夜|后半夜|凌晨|傍晚|白天|夜间|当天|那天|现在|当时|这时|那时|"
    r"全月|全年|全天|平时|每天|每周|每月|每年)$|^(?:[一两几每]个?(?:星期|礼拜|周|月|年|天))来?$"
)
_ZH_EXPLICIT_YEAR = re.compile(r"\d{4}年|去年|今年|前年")
_ZH_LUNAR = re.compile(r"腊月|正月|农历|阴历|春节|过年|元宵|端午|中秋|除夕|大年")
_ZH_FUTURE = re.compile(r"明|下个?[月周星礼]|后天|将来")
_ZH_MONTH_REL = re.compile(
    r"上上个?月|上个?月|这个?月|本月|前几天|前些天|前阵子|"
    r"(?P<year>去年|今年|前年)?(?P<month>1[0-2]|[1-9]|十[一二]?|[一二三四五六七八九])月份"
)
_ZH_WEEKDAY_ONLY = re.compile(r"^(?:星期|周|礼拜)[一二三四五六日天]$")
_ZH_FMT = "%Y-%m-%d %H:%M:%S"


def _zh_interval(detail: dict[str, Any], anchor: datetime) -> tuple[datetime, datetime] | None:
    """[lo, hi) from jionlp's inclusive, second-grained time span."""
    times = detail.get("time")
    if not isinstance(times, list) or len(times) != 2:
        return None
    lo_s, hi_s = times
    hi = anchor if hi_s == "inf" else datetime.strptime(hi_s, _ZH_FMT) + timedelta(seconds=1)
    lo = hi - timedelta(days=90) if lo_s == "-inf" else datetime.strptime(lo_s, _ZH_FMT)
    return lo, hi


def _zh_precision(text: str, lo: datetime, hi: datetime) -> str:
    """Rough precision label from the span length and wording."""
    span = hi - lo
    if span <= timedelta(minutes=1):
        return "minute"
    if span <= timedelta(hours=1):
        return "hour"
    if span <= timedelta(days=1) and lo.hour == 0 and hi.hour == 0:
        return "day"
    if span == timedelta(days=7):
        return "week"
    if lo.day == 1 and hi.day == 1 and lo.hour == 0 and _add_months(lo, 1) == hi:
        return "month"
    if lo.month == 1 and lo.day == 1 and hi == datetime(lo.year + 1, 1, 1):
        return "year"
    return "season" if re.search(r"[春夏秋冬]天|[春夏秋冬]季", text) else "range"


def _zh_past_bias(
    text: str, lo: datetime, hi: datetime, anchor: datetime
) -> tuple[datetime, datetime]:
    """Move jionlp's future readings of '星期六' or '12月5号' back into the past."""
    if lo <= anchor or _ZH_FUTURE.search(text) or "年" in text:
        return lo, hi
    if "月" in text:
        if lo <= anchor + timedelta(days=2):  # evidence dated the same day or a day later
            return lo, hi
        return _shift_years(lo, -1), _shift_years(hi, -1)
    if re.search(r"星期|周|礼拜", text):
        while lo > anchor:
            lo, hi = lo - timedelta(days=7), hi - timedelta(days=7)
        return lo, hi
    return lo, hi


def _zh_month_fen(m: re.Match[str], anchor: datetime) -> datetime:
    """First day of the month named by '三月份' / '去年十月份' (latest past one if no year)."""
    import cn2an

    month = int(cn2an.cn2an(m.group("month"), "smart"))
    offset = {"去年": -1, "前年": -2, "今年": 0}.get(m.group("year") or "", 0)
    lo = datetime(anchor.year + offset, month, 1)
    if not m.group("year") and lo > anchor:
        lo = lo.replace(year=lo.year - 1)
    return lo


def _zh_own_rules(text: str, anchor: datetime) -> list[DateMention]:
    """Phrases jionlp rejects: 上个月, 这个月, 前几天."""
    out: list[DateMention] = []
    month0 = datetime(anchor.year, anchor.month, 1)
    for m in _ZH_MONTH_REL.finditer(text):
        w = m.group(0)
        if m.group("month"):
            lo = _zh_month_fen(m, anchor)
            hi, p = _add_months(lo, 1), "month"
        elif w.startswith("上上"):
            lo, hi, p = _add_months(month0, -2), _add_months(month0, -1), "month"
        elif w.startswith("上"):
            lo, hi, p = _add_months(month0, -1), month0, "month"
        elif w.startswith(("这", "本")):
            lo, hi, p = month0, _add_months(month0, 1), "month"
        else:
            lo, hi, p = _day_start(anchor) - timedelta(days=10), _day_start(anchor), "range"
        out.append(DateMention(m.start(), m.end(), w, lo, hi, p))
    return out


def _zh_from_entity(
    ent: dict[str, Any], anchor: datetime, prev: DateMention | None
) -> DateMention | None:
    """One jionlp time entity as a DateMention, or None for durations and bare 晚上."""
    body: str = ent["text"]
    if ent.get("type") not in ("time_point", "time_span") or _ZH_JUNK.match(body):
        return None
    interval = _zh_interval(ent.get("detail") or {}, anchor)
    if interval is None:
        return None
    lo, hi = interval
    dated_prev = prev is not None and prev.hi - prev.lo <= timedelta(days=31)
    if prev is not None and dated_prev and _ZH_EXPLICIT_YEAR.search(prev.text) and "月" in body:
        if not _ZH_EXPLICIT_YEAR.search(body):  # "2024年10月9日、12月2日": same year
            lo, hi = (
                _shift_years(lo, prev.lo.year - lo.year),
                _shift_years(hi, prev.lo.year - lo.year),
            )
    else:
        lo, hi = _zh_past_bias(body, lo, hi, anchor)
    precision = "range" if re.search(r"至|到|起|以来", body) else _zh_precision(body, lo, hi)
    if _ZH_LUNAR.search(body):  # lunar months and festivals are remembered loosely
        lo, hi, precision = lo - timedelta(days=15), hi + timedelta(days=15), "range"
    if re.search(r"左右|前后|大概|大约", body) and precision in _APPROX_PAD:
        lo, hi = lo - _APPROX_PAD[precision], hi + _APPROX_PAD[precision]
    start, end = ent["offset"]
    return DateMention(start, end, body, lo, hi, precision)


def _zh_time_only(body: str) -> bool:
    """True for a clock time with no day of its own ('夜里一点', '20:00至次日08:00')."""
    return not re.search(r"[年月号周天昨今前去这本腊]|日(?!\d)|星期|礼拜|上个|上周|春节", body)


def _in_context(d: DateMention, prev: DateMention | None, anchor: datetime) -> DateMention:
    """Put a bare clock time on the day of the date mentioned just before it.

    A night-time hour after midnight ('夜里一点' after '七月三十一号那天…值夜班') belongs
    to the next calendar day. When the mention before is part of a day, an hour said without
    am/pm takes the reading nearest to it: "the afternoon of 14 July" -> "one o'clock" = 13:00;
    "between 10 pm on Friday and 2 am" -> "until I clocked out at six" = Saturday 06:00.
    """
    if prev is None or prev.hi - prev.lo > timedelta(days=1) or d.lo.date() != anchor.date():
        return d
    delta = _day_start(prev.lo) - _day_start(d.lo)
    if d.lo.hour < 6 and re.search(r"夜|凌晨|night|midnight", d.text, re.IGNORECASE):
        delta += timedelta(days=1)
    lo, hi = d.lo + delta, d.hi + delta
    if prev.hi - prev.lo >= timedelta(days=1):
        return DateMention(d.start, d.end, d.text, lo, hi, d.precision)
    half_day = timedelta(hours=12)
    marked = _EN_CLOCK_MARKED.search(d.text) or _ZH_CLOCK_MARKED.search(d.text)
    shifts = (0, 2, -2) if marked else (0, 1, -1, 2)  # "00:12 … approx 23:30": the day before
    if not marked and hi - lo == timedelta(hours=13):  # Duckling's bare "six": 06:00-19:00
        hi = lo + timedelta(hours=1)
    readings = [(lo + k * half_day, hi + k * half_day) for k in shifts]

    def gap(r: tuple[datetime, datetime]) -> timedelta:
        return max(prev.lo - r[1], r[0] - prev.hi, timedelta(0))

    # nearest; of two as near, the one after the window (an account runs forward: "until I
    # clocked out at six"); min keeps the first of equals, Duckling's own reading
    lo, hi = min(readings, key=lambda r: (gap(r), r[1] <= prev.lo))
    return DateMention(d.start, d.end, d.text, lo, hi, d.precision)


# an hour that says which half of the day it is in ("10 pm", "23:05", "06:02", "noon", "下午三点")
_EN_CLOCK_MARKED = re.compile(r"[ap]\.?m\b|\b(?:0\d|1[3-9]|2[0-3]):\d\d|noon|midnight|morning|"
                              r"afternoon|evening|night", re.IGNORECASE)
_ZH_CLOCK_MARKED = re.compile(r"上午|下午|晚上|早上|早晨|凌晨|夜|中午|傍晚|清晨|午")


_ZH_DAY_AFTER = re.compile(r"^(第二天|次日|翌日|第三天|当天|当日|那天|同一天)")
_ZH_DAYS_AFTER = {"第二天": 1, "次日": 1, "翌日": 1, "第三天": 2}


def _zh_day_after(d: DateMention, found: list[DateMention], anchor: datetime) -> DateMention:
    """'七月三十一号那天我值夜班……一直绑到第二天早上': 第二天 / 当天 count from the last day the
    text named, not from the day it was said (which is all jionlp knows)."""
    m = _ZH_DAY_AFTER.match(d.text)
    if not m:
        return d
    days = [f for f in found if not _zh_time_only(f.text) and f.hi - f.lo <= timedelta(days=1)]
    if not days:
        return d
    offset = _ZH_DAYS_AFTER.get(m.group(1), 0)
    said = _day_start(anchor) + timedelta(days=offset)  # where jionlp put it
    delta = _day_start(days[-1].lo) + timedelta(days=offset) - said
    return DateMention(d.start, d.end, d.text, d.lo + delta, d.hi + delta, d.precision)


def _zh_night_of(d: DateMention) -> DateMention:
    """'星期四半夜' is Thursday's night, into Friday's small hours; jionlp reads Thursday
    00:00-05:00."""
    if not re.search(r"半夜|深夜|夜里|夜间", d.text) or re.search(r"[点时:：]", d.text):
        return d
    night = _day_start(d.lo) + timedelta(hours=21)
    return DateMention(d.start, d.end, d.text, night, night + timedelta(hours=9), "range")


def _find_zh(text: str, anchor: datetime) -> list[DateMention]:
    try:
        ents = _jio().ner.extract_time(text, time_base=anchor.timestamp(), with_parsing=True)
    except Exception:  # jionlp raises on some odd strings; fall back to own rules
        ents = []
    found: list[DateMention] = []
    for ent in ents:
        prev = found[-1] if found else None
        d = _zh_from_entity(ent, anchor, prev)
        if d is None or (  # "3月8号，星期六": the weekday restates the date
            prev and _ZH_WEEKDAY_ONLY.match(d.text) and 0 <= d.start - prev.end <= 2
        ):
            continue
        if _zh_time_only(d.text):
            d = _in_context(d, prev, anchor)
        else:
            d = _zh_night_of(_zh_day_after(d, found, anchor))
        found.append(d)
    for own in _zh_own_rules(text, anchor):
        if not any(own.start < d.end and d.start < own.end for d in found):
            found.append(own)
    return sorted(found, key=lambda d: d.start)


# --------------------------------------------------------------------------- public


@lru_cache(maxsize=65536)
def _find_cached(text: str, lang: str, anchor: datetime) -> tuple[DateMention, ...]:
    if lang == "zh":
        return tuple(_find_zh(text, anchor)) if _ZH_PRECHECK.search(text) else ()
    return tuple(_find_en(text, anchor)) if _EN_PRECHECK.search(text) else ()


def find_dates(text: str, lang: str, anchor: datetime,
               context: DateMention | None = None) -> list[DateMention]:
    """All dates/times in `text` ("en" or "zh"), relative ones anchored on `anchor`.

    `anchor` is naive local time (an aware one is reduced to its wall-clock time).
    `context` is a date said just before the text, e.g. in the question an answer replies to
    ("Where were you on the evening of 21 November?" → "home by ten"): a bare clock time
    that the text itself does not place on a day goes on that day.
    """
    anchor = anchor.replace(tzinfo=None, microsecond=0)
    found = list(_find_cached(text, lang, anchor))
    if context is None:
        return found
    time_only = _zh_time_only if lang == "zh" else _en_time_only
    return [_in_context(d, context, anchor) if time_only(d.text)
            else _that_weekday(d, context, text) for d in found]


_THAT_WEEKDAY = re.compile(r"\b(?:that|the same)\s+$", re.IGNORECASE)


def _that_weekday(d: DateMention, context: DateMention, text: str) -> DateMention:
    """"How did you injure your back?" "…it happened here, that Friday night": a weekday said
    with "that" is the one the conversation is about (the context's week), not the last one
    before the interview."""
    if (context.hi - context.lo > timedelta(days=1) or d.hi - d.lo > timedelta(days=2)
            or not _WEEKDAY_WORD.match(d.text)
            or not _THAT_WEEKDAY.search(text[max(0, d.start - 10):d.start])):
        return d
    ahead = (d.lo.weekday() - context.lo.weekday()) % 7
    days = ahead if ahead <= 3 else ahead - 7
    shift = _day_start(context.lo) + timedelta(days=days) - _day_start(d.lo)
    return DateMention(d.start, d.end, d.text, d.lo + shift, d.hi + shift, d.precision)


def day_context(mentions: list[DateMention]) -> DateMention | None:
    """The last mention that names one day or part of one (a usable `context`)."""
    within_day = [d for d in mentions if d.hi - d.lo <= timedelta(days=1)]
    return within_day[-1] if within_day else None
