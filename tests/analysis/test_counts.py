"""Counts of things that are not money: totals only, money left to amounts.py."""

from __future__ import annotations

import pytest

from tipline.analysis.counts import find_counts


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("每组12只，一共48只。", "zh", [("48只", 48.0, "只")]),  # a rate per group is no total
        ("那一批，二十只，今年一月初盘点还剩十六只。", "zh", [("二十只", 20.0, "只")]),
        ("你们组只有20只小鼠", "zh", [("20只", 20.0, "只")]),
        ("第二次见面是在酒楼", "zh", []),  # an ordinal
        ("他给了我五万块", "zh", []),  # money
        ("P1 sends m.consult 41 photographs.", "en", [("41 photographs", 41.0, "photograph")]),
        ("46 client entertainment claims totalling 21,310 GBP", "en",
         [("46 client entertainment claims", 46.0, "claim")]),
        ("of 41 containers allocated to P1, 38 were released", "en", []),  # a share
        ("for about four years, three times a week", "en", []),  # time, rate
        ("paid me 5,000 dollars", "en", []),
    ],
)  # fmt: skip
def test_find_counts(text: str, lang: str, expected: list[tuple[str, float, str]]) -> None:
    assert [(c.text, c.value, c.unit) for c in find_counts(text, lang)] == expected
