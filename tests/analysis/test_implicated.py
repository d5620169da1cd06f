"""reporter_implicated: the reporter among the actors, and the deliberate negatives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tipline.analysis.findings import Finding
from tipline.analysis.implicated import find_implicated
from tipline.case import Case, Evidence, Person, Statement, load_case

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "dev"
EN_PEOPLE = (
    Person("P1", "Nora Blake", "reporter", ("nblake",)),
    Person("P2", "Victor Hale", "subject", ("vhale",)),
    Person("P3", "Officer Dunn", "officer"),
)
ZH_PEOPLE = (
    Person("P1", "王建华", "reporter", ("王总",)),
    Person("P2", "李志强", "subject", ("李科长",)),
)


def _case(evidence: list[tuple[str, str, dict[str, Any]]], *, said: str = "I want to report it.",
          people: tuple[Person, ...] = EN_PEOPLE, language: str = "en") -> Case:
    return Case(
        id="t", received_at=T0, language=language, reporter="P1", people=people,
        statements=(Statement("S1", "P1", said),),
        evidence=tuple(Evidence(f"E{i}", kind, text, fields=fields)
                       for i, (kind, text, fields) in enumerate(evidence, 1)),
    )


IMPLICATED = {
    "paid by the subject": [
        ("bank_transfer", "Three payments of 4,000 USD from Victor Hale to P1.",
         {"from": "P2", "to": "P1", "amount": 12000}),
    ],
    "names in fields, offer message and own records": [
        ("communication", "Message from nblake to vhale: 'usual cut, cash, keep it quiet.'",
         {"from": "Nora Blake", "to": "Victor Hale"}),
        ("document", "Stock adjustment sheets, all entered under the login nblake.",
         {"entered_by": "nblake"}),
    ],
    "no fields, names in text": [
        ("bank_transfer", "Nora Blake's account received 9,500 USD from Victor Hale's firm.", {}),
        ("communication", "Nora Blake wrote to Victor Hale: 'send my share in cash'.", {}),
    ],
}

NOT_IMPLICATED = {
    "scam victim funding the fraud": (
        [("bank_transfer", "P1 sent 30,000 USD in four transfers to accounts run by P2.",
          {"from": "P1", "to": "P2", "amount": 30000}),
         ("communication", "P1 added the 'adviser' P2 on a chat app.",
          {"person": "P1", "contact": "P2"})],
        "I was scammed out of my savings by a fake investment adviser.",
    ),
    "witness on camera at the scene": (
        [("location", "CCTV shows Victor Hale at the loading bay; Nora Blake passes at 22:10.",
          {"people": ["P2", "P1"]}),
         ("document", "Rota: Victor Hale and Nora Blake both on the night shift.",
          {"on_duty": ["P2", "P1"]})],
        "I saw him load the crates into his own van.",
    ),
    "competitor with a motive": (
        [("document", "Tender file: Hale Supplies won; Blake Medical's bid was 8% lower.",
          {"winner": "Hale Supplies", "reporter_bid": 920000})],
        "We lost the tender to them although we were cheaper.",
    ),
    "salary from the employer": (
        [("bank_transfer", "Monthly salary of 2,800 GBP paid to P1 by P2's company.",
          {"from": "P2", "to": "P1", "amount": 2800})],
        "I worked in his accounts office until March.",
    ),
    "a quarrel message only": (
        [("communication", "Nora Blake to Victor Hale: 'fix the leak or you'll hear from me.'",
          {"from": "P1", "to": "P2"})],
        "He runs an unlicensed workshop upstairs.",
    ),
}


@pytest.mark.parametrize("name", sorted(IMPLICATED))
def test_reporter_among_the_actors(name: str) -> None:
    finding = find_implicated(_case(IMPLICATED[name]))
    assert finding is not None
    assert finding.kind == "reporter_implicated" and finding.judge == "implicated"
    assert 0.6 <= finding.score <= 1
    assert set(finding.refs) <= {f"E{i}" for i in range(1, len(IMPLICATED[name]) + 1)}
    assert finding.refs and "Nora Blake" in finding.explanation


@pytest.mark.parametrize("name", sorted(NOT_IMPLICATED))
def test_deliberate_negatives(name: str) -> None:
    evidence, said = NOT_IMPLICATED[name]
    assert find_implicated(_case(evidence, said=said)) is None


def test_chinese_payer_and_gift_message() -> None:
    case = _case([
        ("financial", "茶楼包间消费3,200元，由王建华个人银行卡支付，李志强在座。",
         {"payer": "P1", "guest": "P2", "amount": 3200}),
        ("communication", "王建华发给李志强：“李科长，一点心意，项目的事多费心。”",
         {"from": "P1", "to": "P2"}),
    ], people=ZH_PEOPLE, language="zh", said="我实名举报李志强索贿。")
    finding = find_implicated(case)
    assert finding is not None and set(finding.refs) == {"E1", "E2"}


def test_conflicts_are_an_optional_signal() -> None:
    evidence = [
        ("communication", "Nora Blake to Victor Hale: 'we need to talk about the stock.'",
         {"from": "P1", "to": "P2"}),
        ("document", "Stock sheets prepared by N. Blake.", {"prepared_by": "P1"}),
    ]
    case = _case(evidence, said="I never touched the stock sheets.")
    without = find_implicated(case)
    conflict = Finding("evidence_conflict", ("S1", "E2"), 0.9, "")
    with_conflict = find_implicated(case, [conflict])
    assert without is None or with_conflict is not None
    assert (with_conflict.score if with_conflict else 0) >= (without.score if without else 0)


def test_no_reporter_no_finding() -> None:
    case = Case(id="t", received_at=T0, people=EN_PEOPLE, statements=(Statement("S1", "P2", "x"),),
                evidence=(Evidence("E1", "bank_transfer", "x", fields={"to": "P1", "from": "P2"}),))
    assert find_implicated(case) is None


@pytest.mark.skipif(not (DEV / "he-2025.yaml").exists(), reason="dev cases not checked out")
def test_dev_case_he_2025() -> None:
    finding = find_implicated(load_case(DEV / "he-2025.yaml"))
    assert finding is not None and {"E3", "E4"} <= set(finding.refs)
