"""Money amounts in English and Chinese free text, normalised to inclusive ranges.

Chinese values are parsed by jionlp's ``parse_money``; spans are found by our own
pattern because ``extract_money`` misses bare amounts ("五万", "3万") and picks up
day numbers ("15号"). No library parses vague English amounts ("tens of thousands
of yuan", "a few hundred quid"), so English uses the rules below.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from functools import cache, lru_cache
from typing import Any

from tipline.analysis.mentions import AmountMention, ranges_disjoint

__all__ = ["AmountMention", "find_amounts", "ranges_disjoint"]


@cache
def _jio() -> Any:
    """Import jionlp lazily and silently: it prints a banner to stdout on import."""
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    return jionlp


# --------------------------------------------------------------------------- English

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORD = "(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")(?![a-z])"
_WORDNUM = rf"{_WORD}(?:[- ]{_WORD})?(?:\s+hundred(?:\s+(?:and\s+)?{_WORD}(?:[- ]{_WORD})?)?)?"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_VAGUE = r"tens\s+of|hundreds\s+of|dozens\s+of|a\s+few|few|several|a\s+couple\s+of|a\s+couple"
_BASE = (
    rf"(?:(?:{_VAGUE})(?![a-z])|{_DIGITS}|{_WORDNUM}(?:\s+and\s+a\s+half)?"
    rf"|(?:half\s+an?|an?)(?![a-z]))"
)
_MULT_WORDS = {
    "hundred": 100.0, "thousand": 1e3, "grand": 1e3, "k": 1e3,
    "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
}  # fmt: skip
_CURRENCIES = {
    "us$": "USD", "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "hk$": "HKD", "hkd": "HKD", "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "quid": "GBP", "pounds sterling": "GBP", "€": "EUR", "eur": "EUR", "euro": "EUR",
    "euros": "EUR", "¥": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY",
}  # fmt: skip
_CUR_PREFIX = r"US\$|HK\$|\$|£|€|¥|RMB|CNY|USD|GBP|EUR|HKD"
_CUR_SUFFIX = (
    r"yuan|rmb|cny|renminbi|dollars?|bucks|usd|pounds\s+sterling|pounds?|quid|gbp|"
    r"euros?|eur|hkd"
)
_MOD = (
    r"(?:just|well|a\s+little|slightly)\s+(?:under|over|below|above)|around|about|roughly|"
    r"approximately|approx\.?|some|circa|nearly|almost|close\s+to|over|under|below|above|"
    r"more\s+than|less\s+than|at\s+least|up\s+to|upwards\s+of|in\s+excess\s+of|north\s+of"
)
_EN_RE = re.compile(
    rf"""
    (?:(?P<mod>{_MOD})\s+)?
    (?P<between>between\s+)?
    (?:(?P<cur1>{_CUR_PREFIX})\s?)?
    (?P<n1>{_BASE})?
    (?:\s*(?(between)(?:and|-|–|to)|(?:-|–|to))\s*(?:{_CUR_PREFIX})?\s?(?P<n2>{_BASE}))?
    (?P<mult>(?:\s*(?:hundred|thousand|grand|million|billion|k|mn|m|bn)(?:s\s+of\b)?(?![a-z]))*)
    (?:\s+(?:of\s+)?(?P<cur2>{_CUR_SUFFIX})\b)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NOT_MONEY_NEXT = re.compile(
    r"\s*(?:%|per\s*cent|percent|people|persons|men|women|staff|employees|workers|times|"
    r"met(?:re|er)s?|miles?|km|kilomet\w+|feet|foot|yards?|kg|kilos?|tonnes?|tons?|units?|"
    r"items?|pages?|photo\w*|documents?|files?|records?|e-?mails?|messages?|calls?|"
    r"containers?|boxes|cars?|vehicles?|days?|weeks?|months?|years?|hours?|minutes?|"
    r"pieces?|copies|shares|words|rows|cases|patients|beds|visitors|customers|users|"
    r"accounts|votes|litres?|liters?|gallons?|cubic|square|sq)\b",
    re.IGNORECASE,
)
_EN_PRECHECK = re.compile(
    r"\d|[$£€¥]|hundred|thousand|grand|million|billion|yuan|rmb|quid|pounds?\b|dollars?|"
    r"euros?|bucks",
    re.IGNORECASE,
)


def _word_value(text: str) -> float:
    """Value of an English number phrase like 'one hundred and twenty-five'."""
    total = 0.0
    for word in re.split(r"[\s-]+", text.lower()):
        if word == "hundred":
            total = max(total, 1.0) * 100
        elif word in NUMBER_WORDS:
            total += NUMBER_WORDS[word]
    return total


def _base_range(base: str) -> tuple[float, float, bool, bool]:
    """(lo, hi, approximate, tens-style) for one base number phrase."""
    b = re.sub(r"\s+", " ", base.lower()).strip()
    if b in ("tens of", "dozens of"):
        return 10.0, 99.999, True, True
    if b == "hundreds of":
        return 100.0, 999.999, True, True
    if b in ("a few", "few"):
        return 2.0, 9.999, True, True
    if b == "several":
        return 3.0, 9.999, True, True
    if b in ("a couple of", "a couple"):
        return 2.0, 3.0, True, False
    if b in ("a", "an"):
        return 1.0, 1.0, False, False
    if b.startswith("half a"):
        return 0.5, 0.5, False, False
    if b[0].isdigit():
        v = float(b.replace(",", ""))
        return v, v, False, False
    half = 0.5 if b.endswith("and a half") else 0.0
    v = _word_value(b.removesuffix("and a half")) + half
    return v, v, False, False


def _multiplier(mult: str) -> tuple[float, bool]:
    """Product of the multiplier words, and whether a plural 'thousands of' was used."""
    factor, plural = 1.0, False
    for word in re.findall(r"[a-z]+", mult.lower()):
        if word == "of":
            continue
        if word.endswith("s") and word[:-1] in _MULT_WORDS:
            plural = True
            word = word[:-1]
        factor *= _MULT_WORDS.get(word, 1.0)
    return factor, plural


def _apply_modifier(mod: str, lo: float, hi: float) -> tuple[float, float, bool]:
    """Widen or clip a range by an English hedge ('around', 'just under', 'well over')."""
    m = re.sub(r"\s+", " ", mod.lower())
    if m in ("", "between"):
        return lo, hi, False
    if m.startswith(("just under", "just below", "a little under", "slightly under")):
        return lo * 0.95, hi, True
    if m in ("nearly", "almost", "close to"):
        return lo * 0.9, hi, True
    if m in ("under", "below", "less than", "up to"):
        return 0.0, hi, True
    if m.startswith(("just over", "just above", "a little over", "slightly over")):
        return lo, hi * 1.05, True
    if m.startswith("well"):
        return lo, hi * 3, True
    if m in ("over", "above", "more than", "at least", "upwards of", "in excess of", "north of"):
        return lo, hi * 2, True
    return lo * 0.9, hi * 1.1, True  # around, about, roughly, some, circa


def _currency(*words: str | None) -> str | None:
    """ISO code of the first stated currency word or symbol."""
    for w in words:
        if w:
            key = re.sub(r"\s+", " ", w.lower())
            if key in _CURRENCIES:
                return _CURRENCIES[key]
    return None


def _en_mention(text: str, m: re.Match[str]) -> AmountMention | None:
    """Turn one English pattern match into a mention, or None if it is not money."""
    n1, mult = m.group("n1"), m.group("mult") or ""
    if not n1 and not mult.strip():
        return None
    currency = _currency(m.group("cur1"), m.group("cur2"))
    factor, plural = _multiplier(mult)
    mult_words = set(re.findall(r"[a-z]+", mult.lower())) - {"of"}
    if n1 and re.search(r"hundred", n1, re.IGNORECASE):
        mult_words.add("hundred")
    if currency is None:
        if not mult_words or mult.rstrip().lower().endswith("of"):
            return None
        if mult_words <= {"k", "m", "mn", "bn"} or _NOT_MONEY_NEXT.match(text, m.end()):
            return None
    if n1 is None:
        if not plural:
            return None
        lo, hi, approx = factor, factor * 10 - 1, True
    else:
        if n1.strip().lower() in ("a", "an") and not mult_words:
            return None
        lo, hi, approx, tens = _base_range(n1)
        if m.group("n2"):
            lo2, hi2 = _base_range(m.group("n2"))[:2]
            if hi2 < lo:  # written high to low ("5-3 dollars"): still the range 3 to 5
                lo = lo2
            else:
                hi = hi2
        lo, hi = lo * factor, hi * factor
        if tens and hi > lo:
            hi = float(math.floor(hi))
    lo, hi, hedged = _apply_modifier(m.group("mod") or "", lo, hi)
    start = m.start() if m.group("mod") or m.group("between") else _first_token(m)
    end = m.end()
    lo, hi = round(lo, 2), round(hi, 2)
    return AmountMention(start, end, text[start:end], lo, hi, currency, approx or hedged)


def _first_token(m: re.Match[str]) -> int:
    """Start of the first non-empty group, so spans do not begin with spaces."""
    for name in ("cur1", "n1", "mult"):
        if m.group(name) and m.group(name).strip():
            return m.start(name) + len(m.group(name)) - len(m.group(name).lstrip())
    return m.start()


def _find_en(text: str) -> list[AmountMention]:
    out: list[AmountMention] = []
    for m in _EN_RE.finditer(text):
        if m.end() == m.start():
            continue
        mention = _en_mention(text, m)
        if mention is not None and not (mention.start > 0 and text[mention.start - 1].isalnum()):
            out.append(mention)
    return out


# --------------------------------------------------------------------------- Chinese

_ZH_NUM = (
    r"[0-9０-９][0-9０-９,.，]*[0-9０-９]|[0-9０-９]|[零〇一二两三四五六七八九十百千万亿几多余来]+"
)
_ZH_RUN = rf"(?:{_ZH_NUM})(?:[零〇一二两三四五六七八九十百千万亿几多余来0-9]*)"
_ZH_CUR = r"块钱|块|元|圆|美元|美金|英镑|欧元|港币|港元|日元"
_ZH_RE = re.compile(
    rf"(?P<pre>大约|大概|约|差不多|将近|接近|近|超过|不到|上)?"
    rf"(?P<cur1>人民币|RMB|￥|¥|US\$|\$)?\s?"
    rf"(?P<run>{_ZH_RUN})"
    rf"(?P<post>左右|上下)?"
    rf"(?P<cur2>{_ZH_CUR})?"
)
_ZH_CURRENCY = {
    "元": "CNY", "块": "CNY", "块钱": "CNY", "圆": "CNY", "人民币": "CNY", "RMB": "CNY",
    "￥": "CNY", "¥": "CNY", "美元": "USD", "美金": "USD", "$": "USD", "US$": "USD",
    "英镑": "GBP", "欧元": "EUR", "港币": "HKD", "港元": "HKD", "日元": "JPY",
}  # fmt: skip
_ZH_MEASURE = set(
    "人个名位张份件条次斤克吨米里亩头只台辆家户套本册页字岁年月日号天时分秒周步倍笔箱车瓶袋盒"
    "株棵间层栋所处项起例度%‰点组篇期届床把封部"
)
_ZH_PRECHECK = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿几]")
_ELLIPTIC = re.compile(r"^(.*[零〇一二两三四五六七八九十\d])([万千百])([一二两三四五六七八九1-9])$")
_ZH_VAGUE = re.compile(r"[多几余来]")


def cn_number(run: str) -> float | None:
    """Plain numeric value of a Chinese/Arabic number run, via cn2an."""
    import cn2an

    try:
        return float(cn2an.cn2an(run.replace(",", "").replace("，", ""), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _zh_range(prefix: str, run: str, suffix: str) -> tuple[float, float, bool] | None:
    """(lo, hi, approximate) of a Chinese amount, mostly via jionlp.parse_money."""
    ell = _ELLIPTIC.match(run)
    if ell:  # "一千五" = 1500, "1万5" = 15000; jionlp reads these as 1005 / 20010
        head = cn_number(ell.group(1) + ell.group(2))
        digit = cn_number(ell.group(3))
        if head is not None and digit is not None:
            unit = {"万": 1e4, "千": 1e3, "百": 1e2}[ell.group(2)]
            v = head + digit * unit / 10
            return v, v, False
    try:
        parsed = _jio().parse_money(prefix + run + suffix)
    except Exception:  # jionlp raises bare ValueError and others on odd input
        return None
    num, definition = parsed["num"], parsed.get("definition", "accurate")
    if isinstance(num, list):
        if None in num:  # an open end ("1多元" gives ["1.00", None]): no range to compare
            return None
        lo, hi = float(num[0]), float(num[1])
        if _ZH_VAGUE.search(run) and hi > lo:
            hi -= 1
        return lo, hi, True
    v = float(num)
    if definition == "blur-":
        return v * 0.9, v, True
    if definition == "blur+":
        return v, v * 2, True
    if definition == "blur":
        return v * 0.9, v * 1.1, True
    return v, v, bool(_ZH_VAGUE.search(run))


def _zh_mention(text: str, m: re.Match[str]) -> AmountMention | None:
    """Turn one Chinese pattern match into a mention, or None if it is not money."""
    run = m.group("run")
    lead = len(run) - len(run.lstrip("多余来"))
    run = run[lead:]
    if not run or not _ZH_PRECHECK.search(run):
        return None
    cur = m.group("cur2") or m.group("cur1")
    nxt = text[m.end() : m.end() + 1]
    if cur is None and (not re.search(r"[千万亿]", run) or nxt in _ZH_MEASURE):
        return None
    if m.start() > 0 and text[m.start() - 1] == "第":
        return None
    suffix = (m.group("post") or "") + (m.group("cur2") or "元")
    parsed = _zh_range(m.group("pre") or "", run, suffix)
    if parsed is None or parsed[1] < 1:
        return None
    lo, hi, approx = parsed
    start = m.start() if (m.group("pre") or m.group("cur1")) else m.start("run") + lead
    currency = _ZH_CURRENCY.get(cur) if cur else None
    approx = approx or bool(m.group("pre") or m.group("post"))
    return AmountMention(start, m.end(), text[start : m.end()], lo, hi, currency, approx)


def _find_zh(text: str) -> list[AmountMention]:
    out: list[AmountMention] = []
    for m in _ZH_RE.finditer(text):
        mention = _zh_mention(text, m)
        if mention is not None:
            out.append(mention)
    return out


# --------------------------------------------------------------------------- public


@lru_cache(maxsize=65536)
def _find_cached(text: str, lang: str) -> tuple[AmountMention, ...]:
    if lang == "zh":
        if not _ZH_PRECHECK.search(text):
            return ()
        found = _find_zh(text)
        if re.search(r"[A-Za-z$£€]", text):  # English-style amounts inside Chinese text
            found += [a for a in _find_en(text) if not _overlaps_any(a, found)]
        return tuple(sorted(found, key=lambda a: a.start))
    if not _EN_PRECHECK.search(text):
        return ()
    return tuple(_find_en(text))


def _overlaps_any(a: AmountMention, others: list[AmountMention]) -> bool:
    return any(a.start < o.end and o.start < a.end for o in others)


def find_amounts(text: str, lang: str) -> list[AmountMention]:
    """All money amounts in `text` ("en" or "zh"), in order of appearance."""
    return list(_find_cached(text, lang))
