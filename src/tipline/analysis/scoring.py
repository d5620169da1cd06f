"""Weighing the judges: each pair of items gets a feature vector (judge scores and how related
the two are); a logistic model with one named weight per feature (weights.yaml, fitted on the
development cases by training/fit_pair_weights.py) turns it into a score that can be explained."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from tipline.analysis.facts import Item
from tipline.analysis.judges import RULE_JUDGES, Verdict

FEATURES = (
    "amounts", "dates", "polarity", "retraction", "places", "counts",
    "same_speaker", "speaker_is_actor", "shared_people", "word_overlap", "similarity",
    "a_negated", "b_negated", "a_answer", "b_answer", "b_retraction",
    "nli_contradiction", "nli_entailment",
    "polarity_flip", "different_speakers", "retraction_same_speaker", "relative_similarity",
    "a_denies_question", "b_denies_question", "opposite_answers", "judged",
)


@dataclass(frozen=True)
class PairScore:
    a: str
    b: str
    features: dict[str, float]
    verdicts: tuple[Verdict, ...]


def pair_features(a: Item, b: Item, similarity: float, nli: dict[str, float] | None,
                  relative_similarity: float = 0.0) -> PairScore:
    """Features of a pair; `a` is the earlier statement, `b` a later statement or a record.

    `relative_similarity` is the pair's similarity as a z-score among the case's pairs:
    embedding cosines of one case sit in a narrow band, and only the rank within it tells.
    """
    verdicts = tuple(v for judge in RULE_JUDGES if (v := judge(a, b)) is not None)
    by_judge = {v.judge: v.score for v in verdicts}
    shared_words = a.topic_words & b.topic_words
    features = {
        "amounts": by_judge.get("amounts", 0.0),
        "dates": by_judge.get("dates", 0.0),
        "counts": by_judge.get("counts", 0.0),
        "polarity": by_judge.get("polarity", 0.0),
        "retraction": by_judge.get("retraction", 0.0),
        "places": by_judge.get("places", 0.0),
        "same_speaker": float(a.speaker is not None and a.speaker == b.speaker),
        "speaker_is_actor": float(a.speaker is not None and a.speaker in b.actors),
        "shared_people": min(3, len((a.people | a.actors) & (b.people | b.actors))) / 3,
        "word_overlap": len(shared_words) / max(1, min(len(a.topic_words), len(b.topic_words))),
        "similarity": similarity,
        "a_negated": float(any(s.negated for s in a.sentences) or a.denies_question),
        "b_negated": float(any(s.negated for s in b.sentences) or b.denies_question),
        "a_answer": float(bool(a.question)),
        "b_answer": float(bool(b.question)),
        "b_retraction": float(b.retraction),
        "nli_contradiction": (nli or {}).get("contradiction", 0.0),
        "nli_entailment": (nli or {}).get("entailment", 0.0),
        "polarity_flip": float(_negated(a) != _negated(b)),
        "different_speakers": float(
            a.speaker is not None and b.speaker is not None and a.speaker != b.speaker),
        "retraction_same_speaker": float(b.retraction and a.speaker == b.speaker),
        "relative_similarity": max(-3.0, min(3.0, relative_similarity)),
        "a_denies_question": float(a.denies_question),
        "b_denies_question": float(b.denies_question),
        "opposite_answers": float(
            (a.denies_question and b.affirms_question) or (a.affirms_question and b.denies_question)
            or (a.denies_question and b.kind == "evidence")),
        "judged": float(bool(verdicts)),  # some rule judge spoke: a reason beyond likeness
    }
    return PairScore(a.ref, b.ref, features, verdicts)


def _negated(item: Item) -> bool:
    return item.denies_question or any(s.negated for s in item.sentences)


@dataclass(frozen=True)
class Weights:
    bias: float
    weights: dict[str, float]
    threshold: float

    @property
    def uses_nli(self) -> bool:
        return any(self.weights.get(f, 0.0) for f in ("nli_contradiction", "nli_entailment"))

    def score(self, features: dict[str, float]) -> float:
        z = self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, features: dict[str, float]) -> list[tuple[str, float]]:
        """Features ranked by how much they pushed this score up."""
        parts = [(n, w * features.get(n, 0.0)) for n, w in self.weights.items()]
        return sorted(parts, key=lambda p: p[1], reverse=True)


@lru_cache(maxsize=1)
def load_weights() -> dict[str, dict[str, Weights]]:
    """{pair kind: {"rules" | "nli": Weights}} from weights.yaml."""
    raw = yaml.safe_load(
        resources.files("tipline.analysis").joinpath("weights.yaml").read_text(encoding="utf-8")
    )
    out: dict[str, dict[str, Weights]] = {}
    for kind, variants in raw.items():
        out[kind] = {}
        for variant, entry in variants.items():
            unknown = set(entry["weights"]) - set(FEATURES)
            if unknown:
                raise ValueError(f"weights.yaml: {kind}.{variant}: unknown features {unknown}")
            out[kind][variant] = Weights(
                float(entry["bias"]), {k: float(v) for k, v in entry["weights"].items()},
                float(entry["threshold"]),
            )
    return out
