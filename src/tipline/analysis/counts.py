"""Counts of things that are not money: "48 只", "二十只小鼠", "41 photographs", "11 trips".

A count is a number with what it counts (a Chinese measure word, an English plural noun). Only
totals count: a share ("38 of 41"), a rate ("每组12只", "three times a week"), an ordinal
("第二次") or a remainder ("还剩十六只") is no claim about how many there were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tipline.analysis.amounts import NUMBER_WORDS, cn_number, find_amounts


@dataclass(frozen=True)
class CountMention:
    start: int
    end: int
    text: str
    value: float
    unit: str  # a measure word ("只") or a singular noun ("photograph")
    thing: str = ""  # the noun after a Chinese measure word ("小鼠"), when there is one


_EN_NUM = r"\d{1,3}(?:,\d{3})+|\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_EN_RE = re.compile(
    rf"(?<![\w.,:/-])(?P<num>{_EN_NUM})\s+(?:(?:[a-z-]+)\s+){{0,2}}?(?P<noun>[a-z]{{3,}}s)\b",
    re.IGNORECASE)
# plural nouns that measure time, money or size, or are not things one counts in a claim
_EN_NOT_THINGS = frozenset(
    "years months weeks days hours minutes seconds times percent pounds dollars euros yuan "
    "quids grands miles metres meters kilometres kilometers kilos kilograms grams litres "
    "liters feet inches yards cents pence points degrees thousands hundreds millions "
    "billions dozens lots sorts kinds ways pages others ones things guys bits".split())
_EN_RATE = re.compile(r"^\s+(?:a|per|each|every)\s+(?:day|week|month|year|time)\b", re.IGNORECASE)
_EN_PART_BEFORE = re.compile(r"\b(?:per|each|every|of|first|last|top|another|extra|"
                             r"other|more|only)\s+$", re.IGNORECASE)

_ZH_MEASURE = "只个人名次辆台张笔份箱件盒头条批家位趟回包瓶袋桶棵株间套本把部"
_ZH_RE = re.compile(
    rf"(?P<num>[0-9]+|[零〇一二两三四五六七八九十百千万]+)(?P<unit>[{_ZH_MEASURE}])"
    rf"(?P<thing>[\u4e00-\u9fff]{{0,2}})")
_ZH_PART_BEFORE = re.compile(r"(?:每|第|剩|剩下|其中|前|后|这|那|哪|几|头|最后)[^，。；：,;]{0,2}$")
_ZH_NOT_AFTER = re.compile(r"^(?:年|月|日|号|天|小时|分|秒|岁|周|星期|多|来|左右)")


def _en_value(num: str) -> float | None:
    num = num.lower().replace(",", "")
    if num.isdigit():
        return float(num)
    return float(NUMBER_WORDS[num]) if num in NUMBER_WORDS else None


def _find_en(text: str) -> list[CountMention]:
    out = []
    for m in _EN_RE.finditer(text):
        noun = m.group("noun").lower()
        if noun in _EN_NOT_THINGS or noun.endswith("ss"):
            continue
        if _EN_RATE.match(text[m.end():]) or _EN_PART_BEFORE.search(text[:m.start()]):
            continue
        value = _en_value(m.group("num"))
        if value is None or value > 1e6:
            continue
        unit = noun[:-3] + "y" if noun.endswith("ies") else noun[:-1]
        out.append(CountMention(m.start(), m.end(), m.group(0), value, unit))
    return out


def _find_zh(text: str) -> list[CountMention]:
    out = []
    for m in _ZH_RE.finditer(text):
        if _ZH_PART_BEFORE.search(text[max(0, m.start() - 4):m.start()]):
            continue
        if _ZH_NOT_AFTER.match(text[m.end("unit"):]):
            continue
        value = cn_number(m.group("num"))
        if value is None or value > 1e6:
            continue
        out.append(CountMention(m.start(), m.end("unit"), m.group("num") + m.group("unit"),
                                value, m.group("unit"), m.group("thing")))
    return out


@lru_cache(maxsize=65536)
def _find_cached(text: str, lang: str) -> tuple[CountMention, ...]:
    found = _find_zh(text) if lang == "zh" else _find_en(text)
    money = find_amounts(text, lang)
    return tuple(c for c in found
                 if not any(c.start < a.end and a.start < c.end for a in money))


def find_counts(text: str, lang: str) -> list[CountMention]:
    """Counts of things in `text` ("en" or "zh"), money left out (amounts.py reads it)."""
    return list(_find_cached(text, lang))
