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


def test_the_surname_boundary_keeps_one_string_of_letters_two_names() -> None:
    assert not compacts("Xu Anlin") & compacts("Xuan LIN")
    assert not compacts("许安林") & compacts("宣林")


def test_surname_readings_and_compound_surnames() -> None:
    assert "shan xiongxin" in compacts("单雄信")  # 单 as a surname reads shan
    assert compacts("欧阳娜娜") & compacts("Nana Ouyang")


def test_other_scripts_and_empty() -> None:
    assert compacts("Мария Иванова") & compacts("Maria IVANOVA")
    assert compacts("Zoë  Müller") & compacts("zoe muller")
    assert name_forms("  ") is None


def test_pinyin_tells_a_romanised_chinese_name_from_a_slip() -> None:
    from tipline.links.names import is_pinyin

    assert all(map(is_pinyin, ("xiaoming", "zhuge", "lanhai", "nv", "er")))
    assert not any(map(is_pinyin, ("xiaomnig", "lahnai", "prnglin", "smith", "n")))
    assert name_forms("张小明").pinyin and name_forms("Zhang Xiao-Ming").pinyin  # type: ignore[union-attr]
    assert not name_forms("Zhang Xiaomnig").pinyin  # type: ignore[union-attr]
