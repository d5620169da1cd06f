"""Identifier cleaning: one key per identifier, whatever format it was written in."""

from __future__ import annotations

from tipline.links.identifiers import (
    CARD,
    IBAN,
    PHONE,
    PLATE,
    clean,
    find_in_text,
    is_company_name,
    mask_card,
)


def test_phones_in_any_format_become_one_e164_key() -> None:
    for raw in ("138 0013 8000", "+86 138-0013-8000", "0086 13800138000", "(+86)13800138000"):
        found = clean(PHONE, raw, "CN")
        assert found is not None and found.value == "+8613800138000", raw
    assert clean(PHONE, "12345") is None
    assert clean(PHONE, "2024-11-03") is None


def test_iban_checksum_and_account_that_is_an_iban() -> None:
    assert clean(IBAN, "gb82 west 1234 5698 7654 32").value == "GB82WEST12345698765432"
    assert clean(IBAN, "GB82 WEST 1234 5698 7654 33") is None
    account = clean("account", "GB82WEST12345698765432")
    assert account is not None and account.kind == IBAN


def test_card_numbers_need_luhn_and_show_masked() -> None:
    card = clean(CARD, "4111-1111-1111-1111")
    assert card is not None and card.value == "4111111111111111"
    assert card.display == "••••••••••••1111" == mask_card(card.value)
    assert "4111111111111111" not in card.display
    assert clean(CARD, "4111 1111 1111 1112") is None


def test_text_yields_each_kind_and_not_dates_or_amounts() -> None:
    text = ("Pay 18,000 CNY on 2024-11-03 to GB82 WEST 1234 5698 7654 32, card "
            "4111 1111 1111 1111; call 138 0013 8000 or mail Zhang.XM@Example.com; "
            "车牌京A·12345，北京恒通科技有限公司")
    kinds = {(i.kind, i.value) for i in find_in_text(text, "CN")}
    assert ("iban", "GB82WEST12345698765432") in kinds
    assert ("card", "4111111111111111") in kinds
    assert ("phone", "+8613800138000") in kinds
    assert ("email", "zhang.xm@example.com") in kinds
    assert (PLATE, "京A12345") in kinds
    assert any(kind == "company" for kind, _ in kinds)
    assert not any(value in ("18000", "20241103") for _, value in kinds)


def test_company_names_but_not_two_letter_surnames() -> None:
    assert is_company_name("Hengtong Trading Co., Ltd.")
    assert is_company_name("恒通贸易有限公司")
    assert is_company_name("Siemens AG")
    assert not is_company_name("Li Na")
    assert not is_company_name("Robert Brown")
