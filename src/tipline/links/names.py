"""Person names in any script, reduced to comparable Latin forms.

A name becomes a set of *forms*: lower-case ASCII token lists. Latin, Cyrillic and other
scripts go through `normality` (ICU transliteration); Chinese goes through `pypinyin`, which
knows heteronyms in names better than a character table (单 as a surname is "shan").
A Chinese name also yields its given-name-first order, and every form its compact spelling
("zhangxiaoming"), so 张小明, Zhang Xiaoming, Xiaoming ZHANG and "Zhang Xiao-Ming" share a key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
                compacts.update({sur + giv, giv + sur})
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
    compacts.add("".join(tokens))
    compacts.add("".join(reversed(tokens)))
    if len(tokens) > 2:
        compacts.add("".join(tokens[1:]) + tokens[0])
        compacts.add(tokens[-1] + "".join(tokens[:-1]))
    return NameForms(text, tokens, frozenset(compacts), False)


def is_handle(written: str) -> bool:
    """An alias that is an account handle rather than a name ("h.student", "@kite_runner")."""
    text = written.strip()
    return bool(text) and (text.startswith("@") or bool(re.search(r"[._\d]", text))) \
        and " " not in text and not _CJK.search(text)
