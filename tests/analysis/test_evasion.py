"""Evasion detector: hand-written answers, the deliberate negatives, the lexicon and speed.

The detector is a scorer learned from six authors' annotations (scorer.yaml): what it must
find are answers that dodge outright (deflecting, refusing, counter-questions, dismissing);
a bare hedge ("记不清了") is left to the scorer, which has learned that most such answers in
the annotations are honest, and is only asked to weigh it more when the question is about the
answerer's own doing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tipline.analysis._cues import CueLexiconError, cues, parse_cues
from tipline.analysis.evasion import find_evasion
from tipline.case import Case, Person, Statement, load_case

T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "dev"


def _case(question: str, answer: str, language: str) -> Case:
    return Case(
        id="t", received_at=T0, language=language, reporter="P1",
        people=(Person("P1", "Reporter", "reporter"), Person("P2", "Subject", "subject")),
        statements=(Statement("S1", "P2", answer, question=question),),
    )


POSITIVE = [
    ("en", "Did you sign the invoices?",
     "You would have to ask the finance team about that, I only see the totals."),
    ("en", "How much did the supplier pay you?",
     "Why do you want to know that? I'm not here to talk about me."),
    ("en", "Were you at the depot that night?", "I'd prefer not to go into where I was."),
    ("en", "Is that your signature on the form?",
     "What does that have to do with the missing stock?"),
    ("zh", "你有没有收过他的购物卡？", "这个问题你们去问我们单位办公室吧，我不管这些。"),
    ("zh", "你当天晚上在不在仓库？", "我在哪儿跟这件事有什么关系？你们应该去查查老板。"),
    ("zh", "你们部门有没有私设小金库？", "这些事我不想说，你们就别再问了。"),
    ("zh", "报表里的数字为什么对不上？", "差一点很正常，本来就是这样，别听那个实习生胡说。"),
    # nothing but a hedge, to a question about one's own act
    ("en", "Did you approve the transfer?", "I don't recall."),
    ("en", "Why was the report changed?",
     "Reports get changed all the time, everybody does it. It's not important."),
    ("zh", "你是不是签了这份合同？", "关你什么事？你们该管的是他们公司。"),
]

NEGATIVE = [
    # an honest limit of knowledge, with the reason one couldn't know
    ("en", "Did you see who was driving?",
     "No, it was dark and I was too far away to make out a face."),
    ("en", "What time did the manager arrive?",
     "I don't know, I was on the night shift and left before he came in."),
    # an emotional opening followed by a real answer
    ("en", "Why did you leave the company?",
     "I was scared, I won't pretend otherwise. But they cut my hours after I complained, "
     "so I resigned in May."),
    # direct answers
    ("en", "How many pallets were moved?", "About forty, I counted them on the sheet."),
    ("en", "Did you report it to your supervisor?", "Yes, the next morning, by email."),
    ("en", "Anything else you want to add?", "Why would I? I've told you everything."),
    ("zh", "仓库的钥匙平时谁保管？", "我是新来的，钥匙的事我不清楚。"),
    ("zh", "你亲眼看到他收钱了吗？", "看到过，就在他办公室，信封是我递给他的。"),
    ("zh", "那天你几点下班？", "我太害怕了，到现在还睡不好。那天是晚上九点下的班。"),
    ("zh", "库房的温度平时是多少？", "这个我不知道，我是上白班的，进不了库房。"),
    ("zh", "你还有什么要补充的吗？", "没有了，我知道的都说了。"),
    ("zh", "你知道他把钱存哪儿了吗？", "不知道，他从来不跟我说这些。"),
    ("en", "What colour was his jacket?", "I don't remember, sorry."),
    ("en", "Can you describe the van again?", "White, maybe a Transit, with a ladder on the roof."),
    # a clarifying question, then the answer
    ("en", "Did you meet him that week?", "Do you mean at the depot? Yes, twice, on the Monday."),
    ("zh", "你们见过面吗？", "你是说在厂里吗？见过，就一次。"),
    ("en", "Do you know anyone at the firm?",
     "Everyone in the trade knows their sales director; I've never dealt with him."),
]


@pytest.mark.parametrize(("language", "question", "answer"), POSITIVE)
def test_evasive_answers_are_found(language: str, question: str, answer: str) -> None:
    found = find_evasion(_case(question, answer, language))
    assert [f.refs for f in found] == [("S1",)]
    finding = found[0]
    assert finding.kind == "evasion" and finding.judge == "evasion"
    assert 0.5 <= finding.score <= 1
    assert finding.explanation.startswith("S1 ") and '"' in finding.explanation
    for span in finding.spans:
        assert span.ref == "S1" and 0 <= span.start < span.end <= len(answer)
        assert answer[span.start:span.end].strip()


@pytest.mark.parametrize(("language", "question", "answer"), NEGATIVE)
def test_direct_or_honest_answers_are_not_evasion(language: str, question: str,
                                                   answer: str) -> None:
    assert find_evasion(_case(question, answer, language)) == []


def test_only_answers_are_judged() -> None:
    case = _case("", "You'd have to ask my lawyer. I'd rather not say.", "en")
    assert find_evasion(case) == []


def test_mixed_case_picks_the_language_per_statement() -> None:
    case = _case("有没有收过钱？", "这个你们得问财务，我不管账。", "mixed")
    assert [f.refs for f in find_evasion(case)] == [("S1",)]


def test_lexicon_is_validated() -> None:
    assert "deflect" in cues().sections["evasion"]
    with pytest.raises(CueLexiconError, match="weight"):
        parse_cues({"evasion": {"x": {"weight": 5, "why": "w", "en": ["a"]}}})
    with pytest.raises(CueLexiconError, match="bad regex"):
        parse_cues({"evasion": {"x": {"weight": 0.5, "why": "w", "en": ["(a"]}}})
    with pytest.raises(CueLexiconError, match="why"):
        parse_cues({"evasion": {"x": {"weight": 0.5, "en": ["a"]}}})


def test_a_large_mixed_case_finds_each_evasive_answer_once() -> None:
    """4,000 answers (speed is measured in bench/speed.py, not here): every repeated evasive
    answer is found, and nothing else."""
    pairs = [(q, a) for _, q, a in POSITIVE + NEGATIVE]
    statements = tuple(
        Statement(f"S{i}", "P2", pairs[i % len(pairs)][1], question=pairs[i % len(pairs)][0])
        for i in range(4000)
    )
    case = Case(id="big", received_at=T0, language="mixed", statements=statements,
                people=(Person("P2", "Subject", "subject"),))
    found = {f.refs[0] for f in find_evasion(case)}
    assert found == {f"S{i}" for i in range(4000) if i % len(pairs) < len(POSITIVE)}


@pytest.mark.parametrize(("language", "own", "other", "answer"), [
    ("en", "Did you sign the contract?", "Did the manager sign the contract?", "I can't recall."),
    ("zh", "你是不是给他打过电话？", "经理是不是给他打过电话？", "没什么印象了。"),
])
def test_a_hedge_about_ones_own_doing_weighs_more(language: str, own: str, other: str,
                                                   answer: str) -> None:
    from tipline.analysis.answers import answer_features
    from tipline.analysis.facts import build_items
    from tipline.analysis.scoring import load_scorers

    scorer = load_scorers("rules")["evasion"]

    def score(question: str) -> float:
        case = _case(question, answer, language)
        [(_, feats, _)] = list(answer_features(case, build_items(case)))
        return scorer.score(feats)

    assert score(own) > score(other)


@pytest.mark.skipif(not (DEV / "he-2025.yaml").exists(), reason="dev cases not checked out")
def test_dev_case_he_2025() -> None:
    found = {f.refs[0] for f in find_evasion(load_case(DEV / "he-2025.yaml"))}
    assert "S6" in found and found <= {"S4", "S6"}  # the counter-question; nothing honest
