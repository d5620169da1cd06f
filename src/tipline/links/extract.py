"""Identifiers and names out of one case: the people list, evidence `fields` and the texts.

What belongs to whom is read where the case says it: a person's own aliases and extra fields
(`phone:`, `email:`, `account:` beside `name:`), and evidence fields that name an owner
(`to: P1` with `to_account:`, `holder: P1` with `account:`, `phone_of: P1` with `phone:`).
Identifiers found only in a text are the case's, not anyone's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tipline.case import Case
from tipline.links.identifiers import (
    ACCOUNT,
    CARD,
    COMPANY,
    EMAIL,
    HANDLE,
    IBAN,
    PHONE,
    PLATE,
    Identifier,
    clean,
    find_in_text,
    is_company_name,
)
from tipline.links.names import is_handle

# Field names (lower-cased, any language) → the identifier kind their values hold.
_KEY_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind) for pattern, kind in (
        (r"iban", IBAN),
        (r"e-?mail|邮箱|邮件", EMAIL),
        (r"phone|tel\b|mobile|cell|电话|手机|号码", PHONE),
        (r"card|卡号|银行卡", CARD),
        (r"account|acct|账号|账户|帐号|帐户", ACCOUNT),
        (r"plate|vehicle|car\b|车牌|车辆", PLATE),
        (r"company|employer|firm|organi[sz]ation|公司|单位|企业", COMPANY),
    ))
# Fields whose value may be the id of the person the record's identifiers belong to.
_OWNER_KEYS = ("owner", "holder", "account_holder", "subscriber", "user", "driver")
_PARTY_KEYS = ("from", "to", "payer", "payee", "sender", "recipient", "beneficiary", "by")


@dataclass(frozen=True)
class PersonRecord:
    """One person (or company) in one case, with every name and identifier known for them."""

    case: str
    person: str
    role: str
    names: tuple[str, ...]
    identifiers: tuple[Identifier, ...] = ()
    company: bool = False

    @property
    def key(self) -> str:
        return f"{self.case}/{self.person}"


@dataclass(frozen=True)
class Mention:
    """An identifier seen in a case: where (`ref`) and whose (`person`, when the case says)."""

    identifier: Identifier
    ref: str
    person: str | None = None


@dataclass(frozen=True)
class CaseRecords:
    case: str
    reporter: str | None
    people: tuple[PersonRecord, ...]
    mentions: tuple[Mention, ...]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def records_to_json(records: CaseRecords) -> dict[str, Any]:
    """A case's records as plain JSON, to keep beside the case (service/casefiles/caselinks.py)
    so that linking never extracts a case twice."""
    def ident(i: Identifier) -> list[str]:
        return [i.kind, i.value, i.raw]

    return {
        "case": records.case, "reporter": records.reporter,
        "people": [{"person": p.person, "role": p.role, "names": list(p.names),
                    "identifiers": [ident(i) for i in p.identifiers], "company": p.company}
                   for p in records.people],
        "mentions": [[*ident(m.identifier), m.ref, m.person] for m in records.mentions],
    }


def records_from_json(data: dict[str, Any]) -> CaseRecords:
    case = str(data["case"])
    people = tuple(
        PersonRecord(case, p["person"], p["role"], tuple(p["names"]),
                     tuple(Identifier(*i) for i in p["identifiers"]), bool(p["company"]))
        for p in data["people"])
    mentions = tuple(Mention(Identifier(kind, value, raw), ref, person)
                     for kind, value, raw, ref, person in data["mentions"])
    return CaseRecords(case, data["reporter"], people, mentions)


def kind_for_key(key: str) -> str | None:
    lowered = key.lower()
    return next((kind for pattern, kind in _KEY_KINDS if pattern.search(lowered)), None)


def region_for(case: Case) -> str | None:
    """Where numbers without a country code are read first: China for Chinese cases."""
    return "CN" if case.language in ("zh", "mixed") else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(int(value)) if float(value).is_integer() else str(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _field_identifiers(key: str, value: Any, region: str | None) -> Iterator[Identifier]:
    kind = kind_for_key(key)
    for text in _strings(value):
        if kind is not None and (found := clean(kind, text, region)) is not None:
            yield found
        elif kind is None and isinstance(value, str | list | tuple):
            yield from find_in_text(text, region)


def _owner(key: str, fields: dict[str, Any], person_ids: set[str], kind: str) -> str | None:
    """The person a field's identifier belongs to, when the record says so."""
    lowered = key.lower()
    prefix = re.split(r"[_\-\s.]", lowered, maxsplit=1)[0]
    candidates = [prefix] if prefix != lowered else []
    candidates += [f"{kind}_of", f"{lowered}_of", *_OWNER_KEYS]
    for candidate in candidates:
        for real_key, owner in fields.items():
            if real_key.lower() == candidate and isinstance(owner, str) and owner in person_ids:
                return owner
    return None


def extract(case: Case) -> CaseRecords:
    """Every person with their names and identifiers, and every identifier the case mentions."""
    region = region_for(case)
    person_ids = {p.id for p in case.people}
    owned: dict[str, list[Identifier]] = {p.id: [] for p in case.people}
    mentions: list[Mention] = []

    def note(identifier: Identifier, ref: str, person: str | None) -> None:
        mentions.append(Mention(identifier, ref, person))
        if person is not None:
            owned[person].append(identifier)

    for person in case.people:
        for alias in person.aliases:
            found = clean(EMAIL, alias) or (
                clean(PHONE, alias, region) if sum(c.isdigit() for c in alias) >= 7 else None)
            if found is None and is_handle(alias):
                found = Identifier(HANDLE, alias.strip().lstrip("@").lower(), alias)
            if found is not None:
                note(found, person.id, person.id)
        for key, value in person.extra.items():
            if (kind := kind_for_key(key)) is None:
                continue
            for text in _strings(value):
                if (found := clean(kind, text, region)) is not None:
                    note(found, person.id, person.id)
        for name in person.names:
            if is_company_name(name) and (found := clean(COMPANY, name)):
                note(found, person.id, person.id)

    for item in case.evidence:
        for key, value in item.fields.items():
            if key.lower() in _PARTY_KEYS + _OWNER_KEYS and isinstance(value, str):
                if value in person_ids:
                    continue
                if is_company_name(value) and (found := clean(COMPANY, value)):
                    note(found, item.id, None)
                elif is_handle(value):
                    note(Identifier(HANDLE, value.strip().lstrip("@").lower(), value),
                         item.id, None)
                continue
            for found in _field_identifiers(key, value, region):
                owner = _owner(key, item.fields, person_ids, found.kind)
                note(found, item.id, owner)
        for found in find_in_text(item.text, region):
            note(found, item.id, None)
    for statement in case.statements:
        for found in find_in_text(statement.text, region):
            note(found, statement.id, None)

    people = tuple(
        PersonRecord(
            case=case.id, person=p.id, role=p.role,
            names=tuple(n for n in p.names if not is_handle(n) and not _is_identifier(n)
                        and (is_company_name(p.name) or not is_company_name(n))),
            identifiers=tuple(sorted(set(owned[p.id]))),
            company=is_company_name(p.name),
        )
        for p in case.people
    )
    unique = tuple(dict.fromkeys(mentions))
    return CaseRecords(case.id, case.reporter, people, unique)


def _is_identifier(text: str) -> bool:
    return clean(EMAIL, text) is not None or sum(c.isdigit() for c in text) >= 7


__all__ = ["ACCOUNT", "CARD", "CaseRecords", "HANDLE", "Mention", "PLATE", "PersonRecord",
           "extract", "kind_for_key", "region_for"]
