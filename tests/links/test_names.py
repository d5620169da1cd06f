"""Names in any script meet on their compact Latin spellings."""

from __future__ import annotations

from tipline.links.names import name_forms


def compacts(name: str) -> frozenset[str]:
    forms = name_forms(name)
    assert forms is not None
    return forms.compacts


def test_chinese_name_meets_its_pinyin_in_either_order() -> None:
    key = compacts("张伟")
    assert key & compacts("Zhang Wei")
    assert key & compacts("Wei ZHANG")
    assert compacts("张小明") & compacts("Zhang Xiao-Ming") & compacts("Xiaoming Zhang")


def test_surname_readings_and_compound_surnames() -> None:
    assert "shanxiongxin" in compacts("单雄信")  # 单 as a surname reads shan
    assert compacts("欧阳娜娜") & compacts("Nana Ouyang")


def test_other_scripts_and_empty() -> None:
    assert compacts("Мария Иванова") & compacts("Maria IVANOVA")
    assert compacts("Zoë  Müller") & compacts("zoe muller")
    assert name_forms("  ") is None
