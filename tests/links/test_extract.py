"""What belongs to whom: people's fields and aliases, evidence fields that name an owner."""

from __future__ import annotations

from pathlib import Path

from tipline.case import load_case
from tipline.links.extract import extract

CASES = Path(__file__).parent / "cases"


def test_people_carry_their_own_identifiers() -> None:
    records = extract(load_case(CASES / "a-2023.yaml"))
    people = {p.person: p for p in records.people}
    assert {(i.kind, i.value) for i in people["P2"].identifiers} == {
        ("phone", "+8613800138000"), ("iban", "GB82WEST12345698765432")}  # to: P2, to_account
    assert people["P3"].company
    assert not people["P1"].identifiers
    loose = {(m.identifier.kind, m.ref) for m in records.mentions if m.person is None}
    assert ("email", "S1") in loose and ("plate", "E1") in loose


def test_alias_that_is_a_phone_and_owner_field() -> None:
    records = extract(load_case(CASES / "b-2025.yaml"))
    people = {p.person: p for p in records.people}
    assert people["P1"].names == ("Xiaoming ZHANG",)  # the phone alias is not a name
    assert ("phone", "+8613800138000") in {(i.kind, i.value) for i in people["P1"].identifiers}
    assert ("phone", "+442079460958") in {(i.kind, i.value) for i in people["P2"].identifiers}
    assert not people["P2"].company
