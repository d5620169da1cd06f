"""Claims: who acts, how firmly, and which claims of two items are about one happening."""

from __future__ import annotations

import pytest

from tipline.analysis.claims import align, claims
from tipline.analysis.facts import build_items
from tipline.case import case_from_mapping

BASE = {"id": "c", "received_at": "2025-06-10T09:00:00+08:00", "reporter": "P1",
        "people": [{"id": "P1", "name": "Tom Reed", "role": "reporter"},
                   {"id": "P2", "name": "Gary Holt", "role": "subject"},
                   {"id": "P3", "name": "王强", "role": "subject"},
                   {"id": "P4", "name": "李伟", "role": "reporter"}]}


def _items(*statements: tuple[str, str, str | None], evidence: list | None = None) -> list:
    case = case_from_mapping({**BASE, "statements": [
        {"id": f"S{k}", "by": by, "text": text, **({"question": q} if q else {})}
        for k, (by, text, q) in enumerate(statements, 1)], "evidence": evidence or []})
    return build_items(case)


def test_i_is_the_speaker_and_he_is_the_last_person_named() -> None:
    [item] = _items(("P1", "I met Gary Holt at the depot. He paid me in cash.", None))
    first, second = claims(item)
    assert first.actors == {"P1"} and "P2" in first.others
    assert "P2" in second.actors  # "he" points back to Gary ("me": the speaker takes part)


def test_a_records_actors_come_from_its_fields() -> None:
    items = _items(("P1", "x", None), evidence=[
        {"id": "E1", "kind": "bank_transfer", "text": "Transfer of 500 GBP.",
         "fields": {"from": "P2", "to": "P1"}}])
    [claim] = claims(items[1])
    assert claim.actors == {"P1", "P2"} and claim.modality == "asserted"


@pytest.mark.parametrize(("text", "modality"), [
    ("I never paid him anything.", "denied"),
    ("I paid him on Friday.", "asserted"),
    ("Maybe I paid him, I can't be sure.", "hedged"),
    ("No comment.", "refused"),
    ("Did you pay him?", "asked"),
    ("Gary told me that Tom paid him.", "reported"),
    ("If he asks, I would pay him.", "hypothetical"),
    ("我没有给过王强钱。", "denied"),
    ("可能给过吧，记不清了。", "hedged"),
    ("无可奉告。", "refused"),
])
def test_modality(text: str, modality: str) -> None:
    by = "P4" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "P1"
    [item] = _items((by, text, None))
    assert claims(item)[0].modality == modality


def test_a_denial_and_an_admission_of_the_same_act_are_aligned_and_opposed() -> None:
    a, b, c = _items(("P1", "I never took any money from Gary Holt.", None),
                     ("P1", "I did take money from Gary Holt, in March.", None),
                     ("P1", "The weather was bad that spring.", None))
    [best] = align(a, b, claims(a), claims(b), keep=1)
    assert best.same_actor and best.same_act and best.opposed
    [other] = align(a, c, claims(a), claims(c), keep=1)
    assert other.strength < best.strength and not other.opposed


def test_a_weak_claim_is_never_opposed() -> None:
    a, b = _items(("P1", "I never took money from Gary Holt.", None),
                  ("P1", "Maybe I took money from Gary Holt, I don't remember.", None))
    assert not any(al.opposed for al in align(a, b, claims(a), claims(b)))
