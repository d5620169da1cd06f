"""Table-driven tests for money-amount normalisation (English and Chinese)."""

from __future__ import annotations

import pytest

from tipline.analysis.amounts import AmountMention, find_amounts, ranges_disjoint

EN_CASES = [
    # (text, span text, lo, hi, currency, approximate)
    ("paid tens of thousands of yuan", "tens of thousands of yuan", 10000, 99999, "CNY", True),
    ("It could have been a few thousand, maybe.", "a few thousand", 2000, 9999, None, True),
    ("In all around 60,000 yuan.", "around 60,000 yuan", 54000, 66000, "CNY", True),
    ("two and a half million", "two and a half million", 2.5e6, 2.5e6, None, False),
    ("About three grand in holiday pay", "About three grand", 2700, 3300, None, True),
    ("three grand", "three grand", 3000, 3000, None, False),
    ("A few hundred quid in total, if that.", "A few hundred quid", 200, 999, "GBP", True),
    ("18,000 CNY received", "18,000 CNY", 18000, 18000, "CNY", False),
    ("a cheque for $5,000", "$5,000", 5000, 5000, "USD", False),
    ("just under 1.9 million euro", "just under 1.9 million euro", 1.805e6, 1.9e6, "EUR", True),
    ("it'll be well over half a million", "well over half a million", 5e5, 1.5e6, None, True),
    ("RMB 20,000 in cash", "RMB 20,000", 20000, 20000, "CNY", False),
    ("claims totalling £3,960", "£3,960", 3960, 3960, "GBP", False),
    ("about 20,000 RMB", "about 20,000 RMB", 18000, 22000, "CNY", True),
    ("between fifteen and twenty thousand pounds", "between fifteen and twenty thousand pounds",
     15000, 20000, "GBP", False),
    ("fifteen to twenty thousand", "fifteen to twenty thousand", 15000, 20000, None, False),
    ("about seventeen and a half thousand", "about seventeen and a half thousand", 15750, 19250,
     None, True),
    ("Five hundred a container at first", "Five hundred", 500, 500, None, False),
    ("a couple of grand a week", "a couple of grand", 2000, 3000, None, True),
    ("4.1 million USD", "4.1 million USD", 4.1e6, 4.1e6, "USD", False),
    ("one hundred and fifty thousand dollars", "one hundred and fifty thousand dollars", 150000,
     150000, "USD", False),
    ("a £2m contract", "£2m", 2e6, 2e6, "GBP", False),
    ("roughly 5,000 euros", "roughly 5,000 euros", 4500, 5500, "EUR", True),
]  # fmt: skip

ZH_CASES = [
    ("几万块", "几万块", 10000, 99999, "CNY", True),
    ("借了1.2万", "1.2万", 12000, 12000, None, False),
    ("亏了五十多万", "五十多万", 500000, 599999, None, True),
    ("十几万元", "十几万元", 100000, 199999, "CNY", True),
    ("两千多", "两千多", 2000, 2999, None, True),
    ("暗示要十万块钱的辛苦费", "十万块钱", 100000, 100000, "CNY", False),
    ("十万块", "十万块", 100000, 100000, "CNY", False),
    ("前前后后转进去二十多万", "二十多万", 200000, 299999, None, True),
    ("第一次转了3万", "3万", 30000, 30000, None, False),
    ("最后一笔4.5万", "4.5万", 45000, 45000, None, False),
    ("最后一笔四万五", "四万五", 45000, 45000, None, False),
    ("孙浩同意赔偿8000元", "8000元", 8000, 8000, "CNY", False),
    ("转账50,000元", "50,000元", 50000, 50000, "CNY", False),
    ("人民币20,000元", "人民币20,000元", 20000, 20000, "CNY", False),
    ("一千五", "一千五", 1500, 1500, None, False),
    ("大约3万", "大约3万", 27000, 33000, None, True),
    ("近五万", "近五万", 45000, 50000, None, True),
    ("两万美元", "两万美元", 20000, 20000, "USD", False),
    ("还剩三千多块钱", "三千多块钱", 3000, 3999, "CNY", True),
]  # fmt: skip


def _check(
    found: list[AmountMention],
    text: str,
    span: str,
    lo: float,
    hi: float,
    currency: str | None,
    approximate: bool,
) -> None:
    assert len(found) == 1, found
    a = found[0]
    assert a.text == span
    assert text[a.start : a.end] == span
    assert a.lo == pytest.approx(lo)
    assert a.hi == pytest.approx(hi)
    assert a.currency == currency
    assert a.approximate is approximate


@pytest.mark.parametrize(("text", "span", "lo", "hi", "currency", "approximate"), EN_CASES)
def test_english_amounts(
    text: str, span: str, lo: float, hi: float, currency: str | None, approximate: bool
) -> None:
    _check(find_amounts(text, "en"), text, span, lo, hi, currency, approximate)


@pytest.mark.parametrize(("text", "span", "lo", "hi", "currency", "approximate"), ZH_CASES)
def test_chinese_amounts(
    text: str, span: str, lo: float, hi: float, currency: str | None, approximate: bool
) -> None:
    _check(find_amounts(text, "zh"), text, span, lo, hi, currency, approximate)


@pytest.mark.parametrize(
    "text",
    [
        "P1 sends m.consult 41 photographs showing piers.",
        "He owes money across six online lending platforms.",
        "about a fifth cheaper, roughly a third of the takings",
        "something like ten percent",
        "a 15% rise",
        "Call me on 555-1234 or 07700 900123.",
        "in 2024 there were 41 Southbridge containers",
        "five hundred people attended",
        "thousands of documents",
        "The plate started 7K and I think there was an L.",
        "He never received a cent.",
        "He is a nice man.",
    ],
)
def test_english_non_amounts(text: str) -> None:
    assert find_amounts(text, "en") == []


@pytest.mark.parametrize(
    "text",
    [
        "五个",
        "他伸出五个手指头",
        "三个人",
        "2024年",
        "15号",
        "3月8号",
        "3月8号，星期六，妇女节那天晚上。",
        "公司一年业务往来几百笔",
        "死了一片鱼，大概两三百斤",
        "往下游走一两百米",
        "视频四十来秒",
        "增长了15%",
        "手机13812345678",
        "一分钱也没给他",
        "这情况至少有半年了",
    ],
)
def test_chinese_non_amounts(text: str) -> None:
    assert find_amounts(text, "zh") == []


def test_several_amounts_in_order() -> None:
    found = find_amounts("3万+5万+8万+4.5万，一共二十多万", "zh")
    assert [a.lo for a in found] == [30000, 50000, 80000, 45000, 200000]
    assert sum(a.lo for a in found[:4]) == 205000
    assert found[-1].lo <= 205000 <= found[-1].hi


def _amount(lo: float, hi: float, currency: str | None = None) -> AmountMention:
    return AmountMention(0, 1, "x", lo, hi, currency, False)


@pytest.mark.parametrize(
    ("a", "b", "tolerance", "disjoint"),
    [
        (_amount(200, 999, "GBP"), _amount(3960, 3960, "GBP"), 0.0, True),  # a few hundred quid
        (_amount(10000, 99999, "CNY"), _amount(22000, 22000, "CNY"), 0.0, False),
        (_amount(100000, 100000), _amount(50000, 50000), 0.0, True),  # 十万块 vs 五个 (五万)
        (_amount(2700, 3300), _amount(2940, 2940, "GBP"), 0.0, False),  # about three grand
        (_amount(1000, 1000), _amount(1040, 1040), 0.05, False),  # within tolerance
        (_amount(1000, 1000), _amount(1200, 1200), 0.05, True),
        (_amount(5000, 5000, "USD"), _amount(90000, 90000, "CNY"), 0.0, False),  # no FX rates
    ],
)
def test_ranges_disjoint(
    a: AmountMention, b: AmountMention, tolerance: float, disjoint: bool
) -> None:
    assert ranges_disjoint(a, b, tolerance) is disjoint
    assert ranges_disjoint(b, a, tolerance) is disjoint
