"""The whole analyzer: contract shape, candidate selection, and quality floors on the dev set."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tipline.analysis import analyze
from tipline.analysis.candidates import candidate_pairs
from tipline.analysis.conflicts import ConflictRun
from tipline.analysis.facts import build_items
from tipline.case import case_from_mapping, load_case

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "cases" / "dev"
SCORER = ROOT.parent / "shared" / "tools" / "score_cases.py"
sys.path.insert(0, str(ROOT / "bench"))
from synthetic import synthetic_case  # noqa: E402


def test_small_case_ranks_the_denial_against_admission_and_record() -> None:
    """A denial ("一分钱也没给他"), the same man's admission and the bank record: the two pairs
    that hold the denial are the likely conflicts, the admission against the record is not."""
    case = load_case(ROOT / "tests" / "fixtures" / "small-zh.yaml")
    run = ConflictRun()
    result = analyze(case, use_nli=False, run=run)
    p = {(s.a, s.b): s.probability for s in run.scores}
    assert p[("S1", "S2")] >= 0.5 > p[("S2", "E1")]
    assert p[("S1", "E1")] > p[("S2", "E1")]
    for finding in result.findings:
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(case.text_of(span.ref))
    assert [t.at for t in result.timeline if t.refs == ("E1",)] == ["2024-12-20"]


def test_analysis_is_pure_and_repeatable() -> None:
    case = load_case(ROOT / "tests" / "fixtures" / "small-zh.yaml")
    first = analyze(case, use_nli=False).to_dict()
    assert analyze(case, use_nli=False).to_dict() == first


def test_candidates_are_a_small_share_of_a_large_case() -> None:
    case = case_from_mapping(synthetic_case(600, seed=3))
    items = build_items(case)
    pairs = candidate_pairs(items, None)
    n = len(items)
    assert len(pairs) < 0.1 * n * (n - 1) / 2
    assert all(not (items[i].kind == items[j].kind == "evidence") for i, j in pairs)


def test_run_counts_pairs() -> None:
    run = ConflictRun()
    analyze(case_from_mapping(synthetic_case(60, seed=2)), use_nli=False, run=run)
    assert 0 < run.pairs_scored <= run.pairs_possible


@pytest.mark.skipif(not DEV.is_dir() or not SCORER.exists(), reason="shared dev cases absent")
def test_dev_set_quality_floor() -> None:
    """Floors a little under what the shipped scorer measures on the dev cases (in-sample:
    they are among its training cases; the held-out numbers are in the README)."""
    with tempfile.TemporaryDirectory() as tmp:
        for gold in sorted(DEV.glob("*.gold.yaml")):
            case = load_case(gold.with_name(gold.name.replace(".gold.yaml", ".yaml")))
            out = Path(tmp) / f"{case.id}.json"
            out.write_text(json.dumps(analyze(case, use_nli=False).to_dict()), encoding="utf-8")
        done = subprocess.run([sys.executable, str(SCORER), str(DEV), "--outputs", tmp],
                              capture_output=True, text=True, check=True)
    table = {tuple(line.split()[:2]): line.split() for line in done.stdout.splitlines()
             if line.startswith("all ")}
    last = done.stdout.strip().splitlines()[-1]
    scores = dict(part.split("=") for part in last.removeprefix("overall: F1 ").split())
    # precision first: what the engine asserts on these cases is mostly right
    assert float(table[("all", "contradiction")][5]) >= 0.6, done.stdout
    assert float(table[("all", "evidence_conflict")][5]) >= 0.6, done.stdout
    assert float(scores["contradiction"]) >= 0.1, done.stdout
    assert float(scores["evidence_conflict"]) >= 0.08, done.stdout
    assert float(scores["evasion"]) >= 0.8, done.stdout
    assert float(scores["probing"]) >= 0.8, done.stdout
    assert float(scores["implicated_acc"]) >= 0.85, done.stdout


class KeywordNLI:
    """A stand-in judge with the NLIModel interface, to test the wiring, not a model."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def predict(self, pairs: list[tuple[str, str]], batch_size: int = 32
                ) -> list[dict[str, float]]:
        self.seen.extend(pairs)
        return [{"entailment": 0.1, "neutral": 0.1, "contradiction": 0.8}
                if "拒绝" in a + b and "承认" in a + b else
                {"entailment": 0.1, "neutral": 0.8, "contradiction": 0.1} for a, b in pairs]


def test_nli_reads_the_aligned_claims() -> None:
    from tipline.analysis.conflicts import pair_kind, score_pairs

    case = load_case(ROOT / "tests" / "fixtures" / "small-zh.yaml")
    items = build_items(case)
    judge = KeywordNLI()
    run = ConflictRun()
    pairs = [(i, j) for i in range(len(items)) for j in range(i + 1, len(items))
             if pair_kind(items[i], items[j])]
    scored = score_pairs(items, None, pairs, judge, run)
    # the model reads the sentences the alignment chose (at most two per pair), not transcripts
    assert 0 < run.nli_pairs == len(judge.seen) <= 2 * len(scored)
    by_pair = {(ps.a, ps.b): ps.features for _, _, _, ps in scored}
    assert by_pair[("S1", "S2")]["nli_contradiction"] == pytest.approx(0.8)
    assert by_pair[("S1", "S2")]["nli_aligned"] > 0


BASE = {"id": "edge", "received_at": "2025-06-10T09:00:00+08:00", "reporter": "P1",
        "people": [{"id": "P1", "name": "Li Wei", "role": "reporter"},
                   {"id": "P2", "name": "王强", "role": "subject"}]}


def test_control_characters_and_hostile_text_do_not_break_analysis() -> None:
    case = case_from_mapping({**BASE, "statements": [
        {"id": "S1", "by": "P1", "text": "\u202eI never \x00 paid him <script>alert(1)</script>"},
        {"id": "S2", "by": "P1", "text": "   \n\t x"}]})
    assert analyze(case, use_nli=False).case == "edge"


def test_mixed_statement_is_read_sentence_by_sentence() -> None:
    case = case_from_mapping({**BASE, "language": "mixed", "statements": [
        {"id": "S1", "by": "P1", "text": "王强 paid me 5,000 yuan last week. 我没有收过他的钱。"},
        {"id": "S2", "by": "P2", "text": "我从来没给过李伟钱，一分钱也没有。"}]})
    result = analyze(case, use_nli=False)
    amounts = [t.amount for t in result.timeline if t.amount is not None]
    assert amounts and amounts[0].min == 5000 and amounts[0].currency == "CNY"
