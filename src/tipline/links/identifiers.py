"""Identifier value types: how a raw value is cleaned, found in text, and shown.

Each kind owns its cleaning and delegates the hard part to a kept library, as FtM's value
types do: phone numbers to `phonenumbers` (E.164), IBANs and card checksums to
`python-stdnum`, e-mail to a plain pattern plus IDNA-safe lower-casing, company names to
`rigour`/`fingerprints`. A cleaned value is the *key*: two records that share a key share
the identifier, whatever format each was written in.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

PHONE, EMAIL, IBAN, ACCOUNT, CARD, PLATE, HANDLE, COMPANY = (
    "phone", "email", "iban", "account", "card", "plate", "handle", "company")
KINDS = (PHONE, EMAIL, IBAN, ACCOUNT, CARD, PLATE, HANDLE, COMPANY)
# Kinds whose shared value links two cases outright. A company name is a name, not an
# identifier: it links too, but only while few cases share it (see link.MAX_CASES_PER_KEY).
EXACT_KINDS = frozenset({PHONE, EMAIL, IBAN, ACCOUNT, CARD, PLATE, HANDLE})


@dataclass(frozen=True, order=True)
class Identifier:
    """One cleaned identifier: `value` is the comparison key, `raw` as written."""

    kind: str
    value: str
    raw: str = ""

    @property
    def display(self) -> str:
        """How it is shown: card numbers masked to their last four digits."""
        return mask_card(self.value) if self.kind == CARD else self.value


def phone_regions() -> tuple[str, ...]:
    """Regions tried for numbers written without a country code ($TIPLINE_PHONE_REGIONS)."""
    raw = os.environ.get("TIPLINE_PHONE_REGIONS", "CN,US,GB")
    return tuple(r.strip().upper() for r in raw.split(",") if r.strip())


def clean_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 for a valid number; numbers without '+' are tried in `region`, then the defaults."""
    text = raw.strip()
    if sum(c.isdigit() for c in text) < 7:
        return None
    regions = (region,) if region else ()
    for candidate in (*regions, *phone_regions()) if not text.startswith("+") else (None,):
        try:
            number = phonenumbers.parse(text, candidate)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")


def clean_email(raw: str) -> str | None:
    text = raw.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    match = _EMAIL.fullmatch(text)
    if not match:
        return None
    local, _, domain = text.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return f"{local}@{domain}".lower()


def clean_iban(raw: str) -> str | None:
    compact = std_iban.compact(raw)
    return compact if std_iban.is_valid(compact) else None


def _digits(raw: str) -> str | None:
    """The digits of a number written with spaces or dashes; None if anything else is in it."""
    text = re.sub(r"[\s\-.]", "", raw.strip())
    return text if text.isdigit() else None


def clean_card(raw: str) -> str | None:
    """A payment card number: 13-19 digits that pass the Luhn check."""
    digits = _digits(raw)
    if digits and 13 <= len(digits) <= 19 and luhn.is_valid(digits):
        return digits
    return None


def clean_account(raw: str) -> str | None:
    """A bank account: an IBAN is cleaned as such by the caller; otherwise 6-34 digits/letters."""
    text = re.sub(r"[\s\-.]", "", raw.strip()).upper()
    if 6 <= len(text) <= 34 and text.isalnum() and sum(c.isdigit() for c in text) >= 6:
        return text
    return None


_PLATE_CN = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][·•\s]?[A-Z0-9]{5,6}")


def clean_plate(raw: str) -> str | None:
    text = re.sub(r"[\s·•\-]", "", raw.strip()).upper()
    if _PLATE_CN.fullmatch(text) or (2 <= len(text) <= 10 and text.isalnum()
                                      and any(c.isdigit() for c in text)):
        return text
    return None


_CJK_ORG_SUFFIX = ("有限责任公司", "股份有限公司", "有限公司", "集团", "公司", "银行", "事务所")
_CJK_ORG = re.compile(r"[\u4e00-\u9fff]{2,16}?(?:" + "|".join(_CJK_ORG_SUFFIX) + ")")
_LATIN_ORG = re.compile(
    r"\b(?:[A-Z][\w&'-]*\s+){1,5}(?:Co\.,?\s*Ltd\.?|Ltd\.?|Limited|Inc\.?|LLC|GmbH|S\.A\.|"
    r"Corp\.?|Corporation|PLC|AG|SA|NV|BV|Consulting|Holdings|Bank|Group|Trading)(?![\w])")


def is_company_name(name: str) -> bool:
    """Whether a name reads as an organisation (rigour's legal-form table, CJK suffixes)."""
    from rigour.names import extract_org_types

    text = name.strip()
    if not text:
        return False
    if text.endswith(_CJK_ORG_SUFFIX):
        return True
    # Two-letter legal forms ("Na", "Ag", "Sa") are also given names and surnames: only
    # longer or dotted forms count on their own.
    if any(len(found) >= 3 or "." in found for found, _ in extract_org_types(text)):
        return True
    return bool(_LATIN_ORG.fullmatch(text))


def clean_company(raw: str) -> str | None:
    """The company key: its `fingerprints` form (legal forms unified, word order ignored)."""
    import fingerprints

    text = raw.strip()
    if not text:
        return None
    key = fingerprints.generate(text)
    return key or None


def mask_card(digits: str) -> str:
    """A card number as it may be shown: only the last four digits."""
    return "•" * max(len(digits) - 4, 0) + digits[-4:]


def clean(kind: str, raw: str, region: str | None = None) -> Identifier | None:
    """Clean a raw value as `kind`; an account that is a valid IBAN becomes an IBAN."""
    value: str | None
    if kind == PHONE:
        value = clean_phone(raw, region)
    elif kind == EMAIL:
        value = clean_email(raw)
    elif kind in (IBAN, ACCOUNT):
        if (value := clean_iban(raw)) is not None:
            kind = IBAN
        elif kind == ACCOUNT and (value := clean_account(raw)) is not None and clean_card(raw):
            kind = CARD
    elif kind == CARD:
        value = clean_card(raw)
    elif kind == PLATE:
        value = clean_plate(raw)
    elif kind == COMPANY:
        value = clean_company(raw)
    elif kind == HANDLE:
        value = raw.strip().lstrip("@").lower() or None
    else:
        raise ValueError(f"unknown identifier kind {kind!r}")
    return Identifier(kind, value, raw.strip()) if value else None


# Patterns over free text. Numbers are found first by shape, then kept only when they
# clean (checksum, numbering plan): a date or an amount never becomes an identifier.
_IBAN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_LONG_NUMBER = re.compile(r"(?<![\d+])\d(?:[ \-]?\d){12,18}(?!\d)")
_ACCOUNT_CUE = re.compile(
    r"(?:account|acct|a/c|账号|账户|帐号|帐户|卡号)(?:\s*(?:no\.?|number|#))?\s*[:：]?\s*"
    r"([A-Z0-9][A-Z0-9 \-]{5,40}[A-Z0-9])", re.IGNORECASE)
_PLATE_CUE = re.compile(
    r"(?:plate|registration|licen[cs]e plate|车牌(?:号)?)\s*(?:no\.?|number)?\s*[:：]?\s*"
    r"([A-Z0-9][A-Z0-9 \-]{1,10}[A-Z0-9])", re.IGNORECASE)


def find_in_text(text: str, region: str | None = None) -> Iterator[Identifier]:
    """Every identifier in a free text, each cleaned; duplicates are the caller's to drop."""
    if not text:
        return
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for match in _EMAIL.finditer(text):
        if (found := clean(EMAIL, match.group())) is not None:
            taken.append(match.span())
            yield found
    for match in _IBAN_TEXT.finditer(text):
        if free(*match.span()) and (found := clean(IBAN, match.group())) is not None:
            taken.append(match.span())
            yield found
    for match in _ACCOUNT_CUE.finditer(text):
        span = match.span(1)
        if free(*span) and (found := clean(ACCOUNT, match.group(1))) is not None:
            taken.append(span)
            yield found
    for match in _LONG_NUMBER.finditer(text):
        if free(*match.span()) and (found := clean(CARD, match.group())) is not None:
            taken.append(match.span())
            yield found
    for match in _PLATE_CN.finditer(text):
        if free(*match.span()) and (found := clean(PLATE, match.group())) is not None:
            taken.append(match.span())
            yield found
    for match in _PLATE_CUE.finditer(text):
        span = match.span(1)
        if free(*span) and (found := clean(PLATE, match.group(1))) is not None:
            taken.append(span)
            yield found
    for region_code in dict.fromkeys((*((region,) if region else ()), *phone_regions())):
        for phone in phonenumbers.PhoneNumberMatcher(text, region_code):
            span = (phone.start, phone.end)
            if free(*span) and phonenumbers.is_valid_number(phone.number):
                taken.append(span)
                value = phonenumbers.format_number(phone.number,
                                                   phonenumbers.PhoneNumberFormat.E164)
                yield Identifier(PHONE, value, phone.raw_string)
    for match in (*_CJK_ORG.finditer(text), *_LATIN_ORG.finditer(text)):
        if free(*match.span()) and (found := clean(COMPANY, match.group())) is not None:
            yield Identifier(COMPANY, found.value, match.group())
