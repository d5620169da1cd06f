"""A case as FollowTheMoney entities, so Aleph / OpenAleph users can load Tipline cases.

The case is a `Project`; its people are `Person` (or `Company` when the name is a firm's)
joined to it by `ProjectParticipant` with their role; statements are `Message`s sent by the
person who said them; a bank transfer with an amount is a `Payment` between its parties
and accounts; other evidence is `PlainText`. Phones and e-mail addresses are properties
(FtM has no phone entity): on the person they belong to, else `phoneMentioned` /
`emailMentioned` on the text they were read from. Accounts are `BankAccount`s owned
(`Ownership`) by their holder, handles `UserAccount`s, plates `Vehicle`s. Card numbers
leave only masked. Every entity is built and checked by `followthemoney` itself: an unknown
property, a value its type refuses, or a missing required property raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from followthemoney import EntityProxy, model
from followthemoney.exc import InvalidData

from tipline.case import Case
from tipline.links.extract import CaseRecords, extract
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
    is_company_name,
)

NAMESPACE = "tipline"


class ExportError(ValueError):
    """An entity that followthemoney refuses: a bug in the mapping, never silently dropped."""


class _Builder:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.entities: dict[str, EntityProxy] = {}

    def make(self, schema: str, *key: str) -> EntityProxy:
        proxy = model.make_entity(schema)
        proxy.make_id(NAMESPACE, self.case.id, schema, *key)
        assert proxy.id is not None
        return self.entities.setdefault(proxy.id, proxy)

    def add(self, proxy: EntityProxy, prop: str, value: Any) -> None:
        """Add a value; refuse (raise) rather than let FtM drop one it cannot clean."""
        if value is None or value == "":
            return
        if isinstance(value, EntityProxy):
            value = value.id
        before = len(proxy.get(prop))
        try:
            proxy.add(prop, value, quiet=False)
        except InvalidData as exc:
            raise ExportError(f"{proxy.schema.name}.{prop}: {exc}") from None
        if len(proxy.get(prop)) == before and str(value) not in proxy.get(prop):
            raise ExportError(f"{proxy.schema.name}.{prop}: refused value {value!r}")


def case_entities(case: Case, records: CaseRecords | None = None) -> list[EntityProxy]:
    """The FtM entities of one case, each validated by its schema."""
    records = records or extract(case)
    build = _Builder(case)
    project = build.make("Project", "case")
    build.add(project, "name", case.id)
    build.add(project, "startDate", case.received_at.date().isoformat())
    build.add(project, "summary", case.category)
    build.add(project, "keywords", case.channel)
    build.add(project, "publisher", "Tipline")

    parties: dict[str, EntityProxy] = {}
    for person in case.people:
        schema = "Company" if is_company_name(person.name) else "Person"
        entity = build.make(schema, person.id)
        parties[person.id] = entity
        build.add(entity, "name", person.name or person.id)
        role = build.make("ProjectParticipant", person.id)
        build.add(role, "project", project)
        build.add(role, "participant", entity)
        build.add(role, "role", person.role)
    record_of = {r.person: r for r in records.people}
    for person_id, entity in parties.items():
        record = record_of.get(person_id)
        if record is None:
            continue
        for name in record.names:
            if name != entity.first("name"):
                build.add(entity, "alias", name)
        for ident in record.identifiers:
            _owned_identifier(build, entity, ident)

    companies: dict[str, EntityProxy] = {}
    by_ref: dict[str, EntityProxy] = {}

    def party(value: Any) -> EntityProxy | None:
        if not isinstance(value, str) or not value.strip():
            return None
        if value in parties:
            return parties[value]
        if value not in companies:
            schema = "Company" if is_company_name(value) else "LegalEntity"
            companies[value] = build.make(schema, "party", value)
            build.add(companies[value], "name", value)
        return companies[value]

    for statement in case.statements:
        message = by_ref[statement.id] = build.make("Message", statement.id)
        build.add(message, "title", f"{case.id} {statement.id}")
        build.add(message, "bodyText", statement.text)
        build.add(message, "sender", parties.get(statement.by))
        build.add(message, "date", statement.at.isoformat() if statement.at else None)
        build.add(message, "subject", statement.question)
        build.add(message, "language", _language(case))
        _document_of(build, message, project)

    for item in case.evidence:
        fields = item.fields
        date = (item.at.date().isoformat() if item.at_is_date else item.at.isoformat()) \
            if item.at else None
        if item.kind == "bank_transfer" and _number(fields.get("amount")) is not None:
            payment = by_ref[item.id] = build.make("Payment", item.id)
            build.add(payment, "amount", _number(fields.get("amount")))
            build.add(payment, "currency", fields.get("currency"))
            build.add(payment, "date", date)
            build.add(payment, "description", item.text)
            build.add(payment, "recordId", item.id)
            build.add(payment, "payer", party(fields.get("from") or fields.get("payer")))
            build.add(payment, "beneficiary", party(fields.get("to") or fields.get("payee")))
            build.add(payment, "project", project)
            for mention in records.mentions:
                ident = mention.identifier
                if mention.ref != item.id or ident.kind not in (ACCOUNT, IBAN, CARD):
                    continue
                account = _account(build, ident)
                side = _side(mention, fields)
                if side is not None:
                    build.add(payment, side, account)
            continue
        document = by_ref[item.id] = build.make("PlainText", item.id)
        build.add(document, "title", f"{case.id} {item.id} ({item.kind})")
        build.add(document, "bodyText", item.text)
        build.add(document, "date", date)
        _document_of(build, document, project)

    for mention in records.mentions:
        ident = mention.identifier
        target = by_ref.get(mention.ref)
        if target is None or mention.person is not None:
            continue
        prop = {PHONE: "phoneMentioned", EMAIL: "emailMentioned", IBAN: "ibanMentioned",
                COMPANY: "companiesMentioned"}.get(ident.kind)
        if prop and prop in target.schema.properties:
            build.add(target, prop, ident.raw if ident.kind == COMPANY else ident.value)
        elif ident.kind in (ACCOUNT, CARD, PLATE, HANDLE):
            _thing(build, ident)

    entities = list(build.entities.values())
    for entity in entities:
        validate(entity)
    return entities


def validate(entity: EntityProxy) -> None:
    """Raise ExportError unless FtM's schema accepts the entity as it will be written."""
    data = entity.to_dict()
    try:
        entity.schema.validate(data)  # type: ignore[arg-type]
    except InvalidData as exc:
        raise ExportError(f"{entity.schema.name} {entity.id}: {exc}") from None
    missing = [p for p in entity.schema.required if not entity.get(p)]
    if missing:
        raise ExportError(f"{entity.schema.name} {entity.id}: missing {', '.join(missing)}")


def _language(case: Case) -> str | None:
    return {"en": "eng", "zh": "zho"}.get(case.language)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None


def _document_of(build: _Builder, document: EntityProxy, project: EntityProxy) -> None:
    assert document.id is not None
    link = build.make("Documentation", document.id)
    build.add(link, "document", document)
    build.add(link, "entity", project)
    build.add(link, "role", "case record")


def _account(build: _Builder, ident: Identifier) -> EntityProxy:
    account = build.make("BankAccount", ident.kind, ident.value)
    if ident.kind == IBAN:
        build.add(account, "iban", ident.value)
    else:
        build.add(account, "accountNumber", ident.display)
    if ident.kind == CARD:
        build.add(account, "accountType", "card")
    build.add(account, "name", ident.display)
    return account


def _thing(build: _Builder, ident: Identifier) -> EntityProxy | None:
    if ident.kind in (ACCOUNT, IBAN, CARD):
        return _account(build, ident)
    if ident.kind == PLATE:
        vehicle = build.make("Vehicle", ident.value)
        build.add(vehicle, "registrationNumber", ident.value)
        build.add(vehicle, "name", ident.value)
        return vehicle
    if ident.kind == HANDLE:
        user = build.make("UserAccount", ident.value)
        build.add(user, "username", ident.value)
        return user
    return None


def _owned_identifier(build: _Builder, owner: EntityProxy, ident: Identifier) -> None:
    if ident.kind == PHONE:
        build.add(owner, "phone", ident.value)
    elif ident.kind == EMAIL:
        build.add(owner, "email", ident.value)
    elif ident.kind == HANDLE:
        user = _thing(build, ident)
        assert user is not None
        build.add(user, "owner", owner)
    elif ident.kind in (ACCOUNT, IBAN, CARD, PLATE):
        thing = _thing(build, ident)
        assert thing is not None and owner.id is not None and thing.id is not None
        if ident.kind == PLATE:
            build.add(thing, "owner", owner)
        else:
            own = build.make("Ownership", owner.id, thing.id)
            build.add(own, "owner", owner)
            build.add(own, "asset", thing)


def _side(mention: Any, fields: dict[str, Any]) -> str | None:
    """Which side of a payment an account is on, from the field's owner."""
    if mention.person is not None:
        if fields.get("from") == mention.person or fields.get("payer") == mention.person:
            return "payerAccount"
        if fields.get("to") == mention.person or fields.get("payee") == mention.person:
            return "beneficiaryAccount"
    for key, value in fields.items():
        lowered = key.lower()
        if isinstance(value, str) and mention.identifier.raw == value.strip():
            if lowered.startswith(("from", "payer")):
                return "payerAccount"
            if lowered.startswith(("to", "payee", "beneficiary")):
                return "beneficiaryAccount"
    return None


def entity_lines(cases: list[Case]) -> Iterator[dict[str, Any]]:
    """FtM entity dictionaries, one per line of `tipline export --ftm`."""
    for case in cases:
        for entity in case_entities(case):
            yield entity.to_dict()
