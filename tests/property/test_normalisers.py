"""Date and amount normalisers: any English or Chinese text, no exception, sound mentions."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.property import BOUNDED
from tipline.analysis.amounts import find_amounts
from tipline.analysis.dates import day_context, find_dates
from tipline.analysis.mentions import AmountMention, DateMention

EN_TOKENS = ["yesterday", "last Friday", "that Friday night", "at 3 pm", "on 21 November",
             "2024-02-30", "31/02/2024", "in March", "two weeks ago", "the night before",
             "this morning", "between 1 and 3 May", "since 1999", "9:61", "25:00", "noon",
             "$5,000", "about 20k", "between 3 and 5 million", "ten thousand dollars",
             "RMB 3", "-5", "0", "1e309", "£0.5", "€1,2,3", "a few hundred", "USD -40",
             "9" * 40, "$" + "9" * 400, "over 100 yuan", "5-3 dollars"]
ZH_TOKENS = ["昨天", "上周五", "下午三点", "2024年2月30日", "三万元", "五千多块", "十几万",
             "一两百元", "大约", "前天晚上", "零", "负五元", "二十五点", "十三月", "去年冬天",
             "3月", "1月32日", "九" * 30 + "亿元", "万万元", "百分之五十", "上个月", "元",
             "块钱", "几千块", "3-5万元", "八点半", "凌晨", "￥300", "约500美元", "两"]
SPICE = st.text(max_size=6) | st.sampled_from([" ", "，", "。", "\n", "-", "~", "到", "至"])


def texts(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens) | SPICE, max_size=10).map("".join)


anchors = st.datetimes(datetime(1950, 1, 1), datetime(2090, 12, 31))
cases = (st.tuples(texts(EN_TOKENS + ZH_TOKENS), st.just("en"))
         | st.tuples(texts(ZH_TOKENS + EN_TOKENS), st.just("zh")))


def check_offsets(text: str, m: DateMention | AmountMention) -> None:
    assert 0 <= m.start < m.end <= len(text), m
    assert text[m.start:m.end] == m.text, m


@BOUNDED
@given(cases, anchors)
def test_dates_are_sound(text_lang: tuple[str, str], anchor: datetime) -> None:
    text, lang = text_lang
    found = find_dates(text, lang, anchor)
    for d in found:
        check_offsets(text, d)
        assert d.lo < d.hi, d
    context = day_context(found)
    if context is not None:  # and a date said just before places bare times
        for d in find_dates(text, lang, anchor, context=context):
            check_offsets(text, d)
            assert d.lo < d.hi, d


@BOUNDED
@given(cases)
def test_amounts_are_sound(text_lang: tuple[str, str]) -> None:
    text, lang = text_lang
    for a in find_amounts(text, lang):
        check_offsets(text, a)
        assert 0 <= a.lo <= a.hi, a


@BOUNDED
@given(st.text(st.characters() | st.sampled_from(["\x00", "\ud800", "\udfff"]), max_size=80)
       | st.lists(st.sampled_from(EN_TOKENS + ZH_TOKENS) | SPICE
                  | st.sampled_from(["\x00", "\udc80"]), max_size=8).map("".join),
       st.sampled_from(["en", "zh"]), anchors)
def test_arbitrary_text_never_raises(text: str, lang: str, anchor: datetime) -> None:
    for d in find_dates(text, lang, anchor):
        check_offsets(text, d)
        assert d.lo < d.hi
    for a in find_amounts(text, lang):
        check_offsets(text, a)
        assert 0 <= a.lo <= a.hi


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_and_lone_surrogates_reach_no_duckling(bad: str) -> None:
    """Found by the properties: Duckling panicked on NUL (a PanicException, which is not even
    an Exception) and raised UnicodeEncodeError on a lone surrogate, which a JSON case file
    or report can carry ("\\ud800"). The dates around them are still found, in place."""
    text = f"é{bad} paid yesterday at 3 pm{bad}"
    [d] = find_dates(text, "en", datetime(2024, 5, 1))
    assert text[d.start:d.end] == d.text == "yesterday at 3 pm"
    assert (d.lo, d.hi) == (datetime(2024, 4, 30, 15), datetime(2024, 4, 30, 16))


@pytest.mark.parametrize(("text", "lo", "hi"), [("5-3 dollars", 3, 5), ("1-0 DOLLAR", 0, 1),
                                                ("between 5 and 3 thousand dollars", 3000, 5000),
                                                ("3-5 dollars", 3, 5)])
def test_a_range_written_high_to_low_is_still_lo_to_hi(text: str, lo: float, hi: float) -> None:
    """Found by the properties: "1-0 DOLLAR" gave lo=1, hi=0, a range no amount fits, so every
    other amount looked disjoint from it."""
    [a] = find_amounts(text, "en")
    assert (a.lo, a.hi) == (lo, hi)


@pytest.mark.parametrize("text", ["1多元", "RMB1多", "上周五五千多块"])
def test_an_open_ended_chinese_amount_is_skipped_not_a_crash(text: str) -> None:
    """Found by the properties: jionlp reads "1多元" as ["1.00", None] (no upper end) and
    float(None) raised TypeError out of find_amounts."""
    assert all(0 <= a.lo <= a.hi for a in find_amounts(text, "zh"))
    assert find_amounts("五千多块", "zh")[0].hi == 5999  # a closed one is still read
