"""Person names in any script, reduced to comparable Latin forms.

A name becomes a set of *forms*: lower-case ASCII token lists. Latin, Cyrillic and other
scripts go through `normality` (ICU transliteration); Chinese goes through `pypinyin`, which
knows heteronyms in names better than a character table (单 as a surname is "shan").
A Chinese name also yields its given-name-first order, and every form its compact spellings:
surname and given name each run together, one space between ("zhang xiaoming"), so 张小明,
Zhang Xiaoming, Xiaoming ZHANG and "Zhang Xiao-Ming" share a key while Xu Anlin and Xuan Lin,
one string of letters, stay two names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from normality import ascii_text, normalize

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Chinese surnames of two characters (the common ones); everything else takes one.
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 "
    "令狐 司徒 夏侯 轩辕 端木 宇文 澹台 申屠 万俟".split())


# Surnames read differently from the same character elsewhere. pypinyin's heteronym lists
# are too wide for this (they give 王 an archaic "yu"), so only these readings are added.
_SURNAME_READINGS = {"单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie",
                     "查": "zha", "朴": "piao", "盖": "ge", "乐": "yue", "缪": "miao",
                     "召": "shao", "覃": "qin", "尉迟": "yuchi", "万俟": "moqi"}


@dataclass(frozen=True)
class NameForms:
    """The comparable forms of one written name."""

    written: str
    tokens: tuple[str, ...]          # ordered Latin tokens (Chinese: surname, given name)
    compacts: frozenset[str]         # every order's spelling without spaces
    cjk: bool                        # written in Chinese characters

    @cached_property
    def canonical(self) -> str:
        """One of its compact spellings, the same one every time."""
        return min(self.compacts)

    @cached_property
    def lengths(self) -> tuple[int, int]:
        """The shortest and longest of its compact spellings."""
        sizes = [len(c) for c in self.compacts]
        return min(sizes), max(sizes)

    @cached_property
    def initials(self) -> list[str]:
        """Its one-letter tokens ("M. Norgor": m), sorted."""
        return sorted(t for t in self.tokens if len(t) == 1)

    @cached_property
    def pinyin(self) -> bool:
        """Chinese, or Latin that reads as pinyin syllables throughout ("Wang Xiaoming",
        not the slip "Wang Xiaomnig")."""
        return self.cjk or all(is_pinyin(t) for t in self.tokens)

    @property
    def sorted_key(self) -> str:
        return " ".join(sorted(self.tokens))


def _pinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    # Surname mode reads 单 as shan, 曾 as zeng, 区 as ou.
    try:
        return [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False,
                                               errors="ignore", neutral_tone_with_five=False)]
    except TypeError:  # pragma: no cover - older pypinyin
        return [s.lower() for s in lazy_pinyin(text)]


def _surname_pinyin(han: str) -> tuple[list[list[str]], list[str]]:
    """Pinyin of a Chinese full name: the surname's usual reading plus its surname reading
    where that differs (单 reads shan as a surname, dan elsewhere), and the given name."""
    from pypinyin import Style, pinyin

    size = 2 if han[:2] in _COMPOUND_SURNAMES and len(han) > 2 else 1
    surname = han[:size]
    usual = "".join(p[0] for p in pinyin(surname, style=Style.NORMAL)).lower()
    readings = [[usual]]
    if surname in _SURNAME_READINGS and _SURNAME_READINGS[surname] != usual:
        readings = [[_SURNAME_READINGS[surname], usual]]
    return readings, _pinyin(han[size:])


def _spellings(readings: list[list[str]]) -> list[str]:
    out = [""]
    for options in readings:
        out = [prefix + option for prefix in out for option in options[:3]]
    return out


@lru_cache(maxsize=200_000)
def name_forms(written: str) -> NameForms | None:
    """The comparable forms of a name; None when nothing name-like is left."""
    text = written.strip()
    if not text:
        return None
    compacts: set[str] = set()
    if _CJK.search(text):
        runs = _HAN_RUN.findall(text)
        han = "".join(runs)
        if 2 <= len(han) <= 4 and len(runs) == 1 and not re.search(r"[A-Za-z]", text):
            readings, given = _surname_pinyin(han)
            giv = "".join(given)
            # Surname and given name as they are romanised: Zhuge Liangming, Zhang Xiaoming.
            tokens = ("".join(r[0] for r in readings), *((giv,) if giv else ()))
            for sur in _spellings(readings):
                compacts.update({f"{sur} {giv}", f"{giv} {sur}"} if giv else {sur})
            return NameForms(text, tuple(tokens), frozenset(compacts), True)
        latin = normalize(" ".join(_pinyin(text)), ascii=True) or ""
        tokens = tuple(latin.split())
        if not tokens:
            return None
        compacts.add("".join(tokens))
        return NameForms(text, tokens, frozenset(compacts), True)
    latin = normalize(ascii_text(text) or "", ascii=True, lowercase=True) or ""
    tokens = tuple(t for t in latin.split() if t)
    if not tokens:
        return None
    # Hyphenated or split given names ("Xiao-Ming", "Xiao Ming") join into one token as
    # well, so their compact spelling meets the pinyin of the characters.
    if len(tokens) == 1:
        compacts.add(tokens[0])
    else:  # a surname moves as a whole; nobody writes "Ming Xiao Zhang" for Zhang Xiao-Ming
        for head, tail in ((tokens[:1], tokens[1:]), (tokens[:-1], tokens[-1:])):
            compacts.update({f"{''.join(head)} {''.join(tail)}",
                             f"{''.join(tail)} {''.join(head)}"})
    return NameForms(text, tokens, frozenset(compacts), False)


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin has a reading for (ü written v), less the
    vowelless interjections (m, n, ng, hm) that would let any stray consonant through."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    readings = {to_normal(r).replace("ü", "v") for v in PINYIN_DICT.values()
                for r in v.split(",")}
    return frozenset(r for r in readings if r.isascii() and r.isalpha()
                     and re.search("[aeiouv]", r))


@lru_cache(maxsize=200_000)
def is_pinyin(token: str) -> bool:
    """Whether a lower-case Latin token splits into pinyin syllables ("xiaoming")."""
    syllables = _pinyin_syllables()
    ends = {0}
    for end in range(1, len(token) + 1):
        if any(start in ends and token[start:end] in syllables
               for start in range(max(0, end - 6), end)):
            ends.add(end)
    return len(token) in ends


def is_handle(written: str) -> bool:
    """An alias that is an account handle rather than a name ("h.student", "@kite_runner")."""
    text = written.strip()
    return bool(text) and (text.startswith("@") or bool(re.search(r"[._\d]", text))) \
        and " " not in text and not _CJK.search(text)
