"""Contradictions (statement vs statement) and evidence conflicts (statement vs record)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tipline.analysis.candidates import candidate_pairs
from tipline.analysis.claims import Alignment, align, claims
from tipline.analysis.facts import Item, SentenceFacts
from tipline.analysis.findings import Finding, Span
from tipline.analysis.judges import ACT_NAMES, quote_claim
from tipline.analysis.scoring import PairScore, Scorer, load_scorers, pair_features

NLI_BUDGET = 1000  # most item pairs the model reads per case, the best-aligned first
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


Scored = tuple[str, Item, Item, PairScore]


def score_pairs(items: Sequence[Item], vectors: np.ndarray | None,
                pairs: Sequence[tuple[int, int]], nli: NLIJudge | None = None,
                run: ConflictRun | None = None) -> list[Scored]:
    """Features of each pair (statement first, a record second), NLI included when given."""
    of = [claims(it) for it in items]
    similarity, relative = _similarity(vectors, list(pairs))
    scored: list[Scored] = []
    for i, j in pairs:
        a, b = items[i], items[j]
        kind = pair_kind(a, b)
        if kind is None:
            continue
        ca, cb = of[i], of[j]
        if kind == "evidence_conflict" and a.kind == "evidence":
            a, b, ca, cb = b, a, cb, ca
        scored.append((kind, a, b, pair_features(
            a, b, similarity.get((i, j)), relative.get((i, j)), align(a, b, ca, cb))))
    if nli is not None:
        _add_nli(scored, nli, run)
    return scored


def find_conflicts(
    items: Sequence[Item], vectors: np.ndarray | None, nli: NLIJudge | None = None,
    run: ConflictRun | None = None, all_pairs: bool = False,
) -> list[Finding]:
    """Score candidate pairs and keep those the learned scorer asserts, in a stable order."""
    run = run if run is not None else ConflictRun()
    n = len(items)
    n_statements = sum(it.kind == "statement" for it in items)
    run.pairs_possible = n_statements * (n_statements - 1) // 2 + n_statements * (n - n_statements)
    if all_pairs:
        pairs = {(i, j) for i in range(n) for j in range(i + 1, n)
                 if pair_kind(items[i], items[j])}
    else:
        pairs = candidate_pairs(items, vectors)
    scorers = load_scorers("nli" if nli is not None else "rules")
    scored = score_pairs(items, vectors, sorted(pairs), nli, run)
    run.pairs_scored = len(scored)
    findings = []
    for kind, a, b, ps in scored:
        scorer = scorers[kind]
        score = ps.probability = scorer.score(ps.features)
        run.scores.append(ps)
        if score >= scorer.threshold:
            findings.append(_finding(kind, a, b, ps, scorer, score))
    return findings


def _similarity(vectors: np.ndarray | None, pairs: list[tuple[int, int]]
                ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float]]:
    """Cosine per pair, and the same as a z-score among this case's candidate pairs; rounded,
    so that thread counts in the embedding model never move a score."""
    if vectors is None or not pairs:
        return {}, {}
    idx = np.array(pairs)
    cos = np.round(np.einsum("ij,ij->i", vectors[idx[:, 0]], vectors[idx[:, 1]]), 4)
    z = np.round((cos - cos.mean()) / (cos.std() + 1e-6), 3)
    keys = [(int(i), int(j)) for i, j in pairs]
    return dict(zip(keys, cos.tolist(), strict=True)), dict(zip(keys, z.tolist(), strict=True))


def _add_nli(scored: list[Scored], nli: NLIJudge, run: ConflictRun | None) -> None:
    """Let the model read the aligned claims of the best-aligned pairs, up to the budget.

    A small model reads short inputs best: it reads the two sentences the alignment chose (an
    answer's with its question in front), not whole transcripts."""
    ranked = sorted(range(len(scored)), key=lambda k: (
        -scored[k][3].features["al_strength"] - scored[k][3].features["judged"], k))
    texts: list[tuple[str, str]] = []
    owner: list[int] = []
    for k in ranked[:NLI_BUDGET]:
        _, a, b, ps = scored[k]
        for al in ps.alignments:
            if al.a is not None and al.b is not None:
                texts.append((_nli_text(a, al.a.sentence), _nli_text(b, al.b.sentence)))
                owner.append(k)
    probs = nli.predict(texts, batch_size=32) if texts else []
    if run is not None:
        run.nli_pairs = len(texts)
    for k, p in zip(owner, probs, strict=True):  # the strongest reading of the aligned pairs
        feats = scored[k][3].features
        feats["nli_contradiction"] = max(feats["nli_contradiction"],
                                         round(p.get("contradiction", 0.0), 3))
        feats["nli_entailment"] = max(feats["nli_entailment"], round(p.get("entailment", 0.0), 3))
        feats["nli_aligned"] = round(feats["nli_contradiction"] * feats["al_strength"], 4)


def _nli_text(item: Item, s: SentenceFacts) -> str:
    own = s.text[:NLI_MAX_CHARS]
    return f"{item.question} {own}" if item.question and len(item.sentences) < 3 else own


def _quote(item: Item, s: SentenceFacts) -> str:
    return quote_claim(item.text[s.start:s.end], limit=70)


def _aligned_reason(a: Item, b: Item, al: Alignment) -> tuple[str, tuple[Span, ...]]:
    """No rule judge spoke: quote the two claims the alignment matched, and say how they
    meet (one denies what the other asserts, or they tell the same matter two ways)."""
    if al.a is None or al.b is None:
        return (f"{a.ref} and {b.ref} describe the same matter differently; no single rule "
                "decides it, the combined signals do.", ())
    shared = sorted(al.a.acts & al.b.acts)
    about = ACT_NAMES.get(shared[0], "it") if shared else "it"
    qa, qb = _quote(a, al.a.sentence), _quote(b, al.b.sentence)
    spans = (Span(a.ref, al.a.sentence.start, al.a.sentence.end),
             Span(b.ref, al.b.sentence.start, al.b.sentence.end))
    if al.opposed:
        denier, other = (a, b) if (al.a.denied & al.b.acts) else (b, a)
        q_den, q_other = (qa, qb) if denier is a else (qb, qa)
        return (f"{denier.ref} denies {about} ({q_den}) that {other.ref} describes "
                f"({q_other}).", spans)
    return (f"{a.ref} and {b.ref} give accounts of the same matter that do not fit together: "
            f"{qa} against {qb}.", spans)


def _finding(kind: str, a: Item, b: Item, ps: PairScore, w: Scorer, score: float) -> Finding:
    """One sentence of why: the reason of the judge that weighed most, else the aligned claims'
    own words; spans from the quotes."""
    verdicts = {v.judge: v for v in ps.verdicts}
    for name, contribution in w.contributions(ps.features):
        if contribution <= 0:
            break
        if name in verdicts:
            v = verdicts[name]
            return Finding(kind=kind, refs=(a.ref, b.ref), score=score, explanation=v.reason,
                           spans=tuple(Span(r, s, e) for r, s, e in v.spans), judge=v.judge)
    if ps.verdicts and ps.features["judged_aligned"] > 0:
        top = max(ps.verdicts, key=lambda v: (v.score, v.judge))
        return Finding(kind=kind, refs=(a.ref, b.ref), score=score, explanation=top.reason,
                       spans=tuple(Span(r, s, e) for r, s, e in top.spans), judge=top.judge)
    reason, spans = _aligned_reason(a, b, ps.alignment)
    nli = ps.features["nli_contradiction"]
    judge = "nli" if nli >= 0.5 and w.weights.get("nli_aligned", 0) > 0 else "claims"
    return Finding(kind=kind, refs=(a.ref, b.ref), score=score, explanation=reason, spans=spans,
                   judge=judge)
