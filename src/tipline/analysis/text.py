"""Sentences with offsets and content words, for English and Chinese."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

# An initial or a title before a name ("R. Keane", "Dr. Egan") does not end a sentence.
_SENTENCE_END = re.compile(
    r"(?:\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Prof)\.\s+(?=[A-Z])|[^.!?。！？；;\n]|[.!?;](?=[^\s.!?;\"'”’」』)]))*"
    r"(?:[.!?。！？；;]+[\"'”’」』)]*|\n|$)"
)
_EN_WORD = re.compile(r"[a-z][a-z'’-]*|\d[\d,.]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_TOKEN = re.compile(r"[\u3400-\u9fff]+|[A-Za-z]+|\d[\d,.]*")

EN_STOP = frozenset("""
a an the and or but if then so of to in on at by for with from about as into over after before
under up down out off than too very just only also even still ever again once here there when
where why how what which who whom whose this that these those it its it's i i'm i've i'd me my
mine we us our you your he him his she her they them their is am are was were be been being do
does did doing have has had having will would shall should can could may might must not no nor
yes yeah okay ok oh well all any some such own same other more most much many few each both
say said says tell told think know like get got one two thing things way really maybe some
""".split())

ZH_STOP = frozenset("""
的 了 是 在 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 也 都 还 又 和 跟 与 及 把 被 让
给 对 向 从 到 说 吧 吗 呢 啊 嘛 呀 着 过 一 个 有 没 没有 不 很 太 就是 什么 怎么 这样 那样 一下
而 但 但是 所以 因为 如果 然后 已经 自己 一些 时候 可以 要 会 能 去 来 上 下 里 后 前
""".split())


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with character offsets into `text`; whitespace trimmed, empties dropped."""
    out: list[Sentence] = []
    for match in _SENTENCE_END.finditer(text):
        raw = match.group(0)
        if not raw.strip():
            continue
        lead = len(raw) - len(raw.lstrip())
        start = match.start() + lead
        end = match.start() + len(raw.rstrip())
        out.append(Sentence(start, end, text[start:end]))
    return out


def has_han(text: str) -> bool:
    return bool(_CJK.search(text))


def is_chinese(text: str) -> bool:
    return len(_CJK.findall(text)) * 2 >= len(re.findall(r"[A-Za-z]", text))


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """Content words: lowercased English stems, jieba words for Chinese; stop words dropped."""
    if _CJK.search(text):
        jieba = _jieba()
        out = []
        for token in jieba.lcut(text):  # type: ignore[attr-defined]
            token = token.strip()
            if token and token not in ZH_STOP and _ZH_TOKEN.fullmatch(token):
                out.append(token.lower())
        return out
    return [_stem(w) for w in _EN_WORD.findall(text.lower()) if w not in EN_STOP and len(w) > 1]


def _stem(word: str) -> str:
    """A light, predictable stemmer: enough to match 'photos'/'photo' and 'paid'/'pays'."""
    word = word.strip("'’-")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


# A purpose clause (", to mark up at home", "in order to …") says what something was for, not
# what happened or where anyone was.
_PURPOSE = re.compile(r"(?:,\s*(?:in order\s+)?|\bin order\s+)to\s+[a-z]+\b[^,.;]*")


def without_purpose(text: str) -> str:
    """English text with its purpose clauses blanked out, offsets kept."""
    return _PURPOSE.sub(lambda m: " " * len(m.group(0)), text)
