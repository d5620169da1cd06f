"""Contradictions (statement vs statement) and evidence conflicts (statement vs record)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Protocol

import numpy as np

from tipline.analysis.candidates import candidate_pairs
from tipline.analysis.facts import Item, SentenceFacts
from tipline.analysis.findings import Finding, Span
from tipline.analysis.scoring import PairScore, Weights, load_weights, pair_features

NLI_BUDGET = 1000  # most item pairs the model reads per case, ranked by the rules' own score
NLI_SENTENCE_PAIRS = 2  # sentence pairs read per item pair
NLI_MAX_CHARS = 300


class NLIJudge(Protocol):
    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32
                ) -> list[dict[str, float]]: ...


@dataclass
class ConflictRun:
    """What one run looked at, for benchmarks: pairs scored against all possible pairs."""

    pairs_scored: int = 0
    pairs_possible: int = 0
    nli_pairs: int = 0
    scores: list[PairScore] = field(default_factory=list)


def pair_kind(a: Item, b: Item) -> str | None:
    if a.kind == "statement" and b.kind == "statement":
        return "contradiction"
    if {a.kind, b.kind} == {"statement", "evidence"}:
        return "evidence_conflict"
    return None


def find_conflicts(
    items: Sequence[Item], vectors: np.ndarray | None, nli: NLIJudge | None = None,
    run: ConflictRun | None = None, all_pairs: bool = False, nli_everywhere: bool = False,
) -> list[Finding]:
    """Score candidate pairs with the judges and keep those the weights assert.

    The model reads only pairs of the kinds whose weights use it (`nli_everywhere`: all kinds,
    for fitting the weights)."""
    run = run if run is not None else ConflictRun()
    n = len(items)
    n_statements = sum(it.kind == "statement" for it in items)
    run.pairs_possible = n_statements * (n_statements - 1) // 2 + n_statements * (n - n_statements)
    if all_pairs:
        pairs = {(i, j) for i in range(n) for j in range(i + 1, n)
                 if pair_kind(items[i], items[j])}
    else:
        pairs = candidate_pairs(items, vectors)
    similarity, relative = _similarity(vectors, sorted(pairs))
    scored: list[tuple[str, Item, Item, PairScore]] = []
    for i, j in sorted(pairs):
        a, b = items[i], items[j]
        kind = pair_kind(a, b)
        if kind is None:
            continue
        if kind == "evidence_conflict" and a.kind == "evidence":
            a, b = b, a
        scored.append((kind, a, b, pair_features(a, b, similarity.get((i, j), 0.0), None,
                                                  relative.get((i, j), 0.0))))
    run.pairs_scored = len(scored)
    weights = load_weights()
    variant = "nli" if nli is not None else "rules"
    if nli is not None:
        rows = [r for r in scored if nli_everywhere or weights[r[0]]["nli"].uses_nli]
        _add_nli(rows, nli, weights, run)
    findings = []
    for kind, a, b, ps in scored:
        w = weights[kind][variant]
        score = w.score(ps.features)
        run.scores.append(ps)
        if score >= w.threshold:
            findings.append(_finding(kind, a, b, ps, w, score))
    return findings


def _similarity(vectors: np.ndarray | None, pairs: list[tuple[int, int]]
                ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Cosine per pair, and the same as a z-score among this case's candidate pairs."""
    if vectors is None or not pairs:
        return {}, {}
    idx = np.array(pairs)
    cos = np.einsum("ij,ij->i", vectors[idx[:, 0]], vectors[idx[:, 1]])
    z = (cos - cos.mean()) / (cos.std() + 1e-6)
    keys = [(int(i), int(j)) for i, j in pairs]
    return dict(zip(keys, cos.tolist(), strict=True)), dict(zip(keys, z.tolist(), strict=True))


def _add_nli(scored: list[tuple[str, Item, Item, PairScore]], nli: NLIJudge,
             weights: dict[str, dict[str, Weights]], run: ConflictRun) -> None:
    """Let the model read the pairs the rules rank highest, up to the budget.

    A small model reads short inputs best, so it reads the sentences of the two items that
    share the most (an answer's sentence with its question in front), not whole transcripts;
    the pair's score is the strongest of its sentence pairs.
    """
    ranked = sorted(range(len(scored)),
                    key=lambda k: -weights[scored[k][0]]["rules"].score(scored[k][3].features))
    chosen = ranked[:NLI_BUDGET]
    texts: list[tuple[str, str]] = []
    owner: list[int] = []
    for k in chosen:
        for pair in _sentence_pairs(scored[k][1], scored[k][2]):
            texts.append(pair)
            owner.append(k)
    probs = nli.predict(texts, batch_size=32) if texts else []
    run.nli_pairs = len(texts)
    for k, p in zip(owner, probs, strict=True):
        feats = scored[k][3].features
        feats["nli_contradiction"] = max(feats["nli_contradiction"], p.get("contradiction", 0.0))
        feats["nli_entailment"] = max(feats["nli_entailment"], p.get("entailment", 0.0))


def _sentence_pairs(a: Item, b: Item) -> list[tuple[str, str]]:
    """The NLI_SENTENCE_PAIRS sentence pairs of a and b that share the most."""
    def text(item: Item, s: SentenceFacts) -> str:
        own = s.text[:NLI_MAX_CHARS]
        return f"{item.question} {own}" if item.question and len(item.sentences) < 3 else own

    ranked = sorted(
        product(a.sentences, b.sentences),
        key=lambda p: -(len(p[0].words & p[1].words) + 2 * len(p[0].acts & p[1].acts)
                        + 2 * len(p[0].people & p[1].people) + (p[0].negated != p[1].negated)),
    )
    return [(text(a, sa), text(b, sb)) for sa, sb in ranked[:NLI_SENTENCE_PAIRS]]


def _relatedness_reason(a: Item, b: Item) -> str:
    """No single judge spoke: say what ties the two together and which side denies."""
    shared = sorted(a.topic_words & b.topic_words, key=lambda w: (-len(w), w))[:3]
    about = f" ({', '.join(shared)})" if shared else ""
    negated = [it.ref for it in (a, b)
               if it.denies_question or any(s.negated for s in it.sentences)]
    if len(negated) == 1:
        other = b.ref if negated[0] == a.ref else a.ref
        return (f"{negated[0]} denies what {other} describes on the same matter{about}; "
                "no single rule decides it, the combined signals do.")
    return (f"{a.ref} and {b.ref} describe the same matter{about} differently; "
            "no single rule decides it, the combined signals do.")


def _finding(kind: str, a: Item, b: Item, ps: PairScore, w: Weights, score: float) -> Finding:
    """One sentence of why: the reason of the judge that weighed most, spans from its quotes."""
    verdicts = {v.judge: v for v in ps.verdicts}
    reason: str | None = None
    spans: tuple[Span, ...] = ()
    judge = ""
    for name, contribution in w.contributions(ps.features):
        if contribution <= 0:
            break
        if name in verdicts:
            v = verdicts[name]
            reason, judge = v.reason, v.judge
            spans = tuple(Span(ref, start, end) for ref, start, end in v.spans)
            break
        if name == "nli_contradiction":
            reason = (f"The language model reads {a.ref} and {b.ref} as incompatible "
                      f"(p={ps.features['nli_contradiction']:.2f}).")
            judge = "nli"
            break
    if reason is None:
        top = max(ps.verdicts, key=lambda v: v.score, default=None)
        if top is not None:
            reason, judge = top.reason, top.judge
            spans = tuple(Span(ref, start, end) for ref, start, end in top.spans)
        else:
            reason = _relatedness_reason(a, b)
            judge = "similarity"
    return Finding(kind=kind, refs=(a.ref, b.ref), score=score, explanation=reason,
                   spans=spans, judge=judge)
