"""Probing detector: reporters fishing for the investigation's state, and fear of reprisal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tipline.analysis.probing import find_probing
from tipline.case import Case, Person, Statement, load_case

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "dev"


def _case(text: str, language: str, by: str = "P1", question: str | None = None) -> Case:
    return Case(
        id="t", received_at=T0, language=language, reporter="P1",
        people=(Person("P1", "Reporter", "reporter"), Person("P2", "Subject", "subject")),
        statements=(Statement("S1", by, text, question=question),),
    )


POSITIVE = [
    ("en", "Before I say more: is your office already investigating me over the warehouse?"),
    ("en", "Can you tell me who else has come forward about the depot?"),
    ("en", "Have you spoken to Marsh yet? What did he tell you about me?"),
    ("en", "I need to know how much you already know about the invoices. Am I in trouble here?"),
    ("en", "I heard the auditors are pulling the 2023 ledgers. Is that about the Harbour account? "
           "If my name comes up, it's only because I signed what I was given."),
    ("zh", "你们现在掌握了哪些情况？是不是已经在查我了？"),
    ("zh", "还有谁举报过他？我想知道是不是就我一个。"),
    ("zh", "老板那边是怎么说的？有没有说是我干的？"),
    ("zh", "我想打听一下，他是不是已经交代了什么？"),
]

NEGATIVE = [
    # fear of reprisal: asking whether one's identity will be passed on
    ("en", "Will my identity be kept confidential if this goes to a tribunal?"),
    ("en", "Is my name going to be shared with the site manager? I still work for him."),
    ("en", "Please don't tell my manager it was me who called."),
    ("zh", "我想问问，你们会不会把我的名字告诉厂长？"),
    ("zh", "能不能替我保密？我怕他知道是我反映的。"),
    # a plain follow-up about the outcome
    ("zh", "我反映的情况什么时候能有结果？"),
    ("en", "I just wanted to check that my email with the receipts arrived."),
]


@pytest.mark.parametrize(("language", "text"), POSITIVE)
def test_probing_statements_are_found(language: str, text: str) -> None:
    found = find_probing(_case(text, language))
    assert [f.refs for f in found] == [("S1",)]
    finding = found[0]
    assert finding.kind == "probing" and finding.judge == "probing"
    assert 0.5 <= finding.score <= 1 and "S1" in finding.explanation
    assert finding.spans and all(0 <= s.start < s.end <= len(text) for s in finding.spans)


@pytest.mark.parametrize(("language", "text"), NEGATIVE)
def test_reprisal_fear_and_follow_ups_are_not_probing(language: str, text: str) -> None:
    assert find_probing(_case(text, language)) == []


def test_only_the_reporter_can_probe() -> None:
    text = "Is someone already looking into me? Who else has reported this?"
    assert find_probing(_case(text, "en", by="P2")) == []
    assert len(find_probing(_case(text, "en", by="P1", question="Anything else?"))) == 1


def test_anonymous_case_has_no_probing() -> None:
    case = Case(id="t", received_at=T0, statements=(Statement("S1", "P9", "Am I a suspect?"),))
    assert find_probing(case) == []


@pytest.mark.skipif(not (DEV / "he-2025.yaml").exists(), reason="dev cases not checked out")
def test_dev_case_he_2025() -> None:
    found = {f.refs[0] for f in find_probing(load_case(DEV / "he-2025.yaml"))}
    assert found == {"S6", "S9"}


def test_a_probing_question_no_cue_phrase_names_is_found_by_its_meaning() -> None:
    """No cue family matches this wording; its nearness in meaning to the probing prototypes
    (answers.PROBE_LIKE) against the worry prototypes is what the scorer weighs."""
    from tipline.analysis._cues import cues, normalise
    from tipline.analysis.answers import PROBE_LIKE

    text = "Honestly, is there some file on me at your end? I only ask because the audit started."
    families = cues().sections["probing"]
    assert not any(f.find(normalise(text), "en") for f in families.values())
    [finding] = find_probing(_case(text, "en"))
    assert 'asks "Honestly, is there some file on me at your end?"' in finding.explanation
    assert any(f'"{p}"' in finding.explanation for p in PROBE_LIKE)
    assert [(s.start, s.end) for s in finding.spans] == [(0, 47)]


@pytest.mark.parametrize(("language", "text"), [
    ("en", "Can I stay anonymous if this goes further?"),
    ("zh", "我担心他报复我，你们能保护我吗？"),
])
def test_a_question_about_protection_is_not_probing_by_meaning(language: str, text: str) -> None:
    assert find_probing(_case(text, language)) == []
