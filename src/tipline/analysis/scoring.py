"""Weighing the judges: each pair of items gets a feature vector (the judges' scores, how well
their claims align, who speaks) and a learned logistic model per pair kind (scorer.yaml, fitted
on six authors' annotated cases by training/fit_scorer.py) turns it into a calibrated
probability. One named weight per feature keeps every score explainable."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from tipline.analysis.claims import Alignment
from tipline.analysis.facts import Item
from tipline.analysis.judges import RULE_JUDGES, Verdict

JUDGES = ("polarity", "retraction")
ROLES = ("reporter", "subject", "witness")

FEATURES = (
    *JUDGES,
    "same_speaker", "speaker_is_actor", "shared_people", "word_overlap", "similarity",
    "relative_similarity", "a_negated", "b_negated", "polarity_flip", "a_answer", "b_answer",
    "b_retraction", "retraction_same_speaker", "opposite_answers", "judged",
    "al_actor", "al_act", "al_other", "al_time_meets", "al_time_apart", "al_place_differs",
    "al_opposed", "al_a_weak", "al_b_weak", "al_strength", "judged_aligned",
    *(f"a_{r}" for r in ROLES), *(f"b_{r}" for r in ROLES),
    "question_overlap", "b_question_recalls_a",
    "nli_contradiction", "nli_entailment", "nli_aligned",
)
NLI_FEATURES = frozenset({"nli_contradiction", "nli_entailment", "nli_aligned"})


@dataclass
class PairScore:
    a: str
    b: str
    features: dict[str, float]
    verdicts: tuple[Verdict, ...]
    alignments: tuple[Alignment, ...] = ()
    probability: float = 0.0  # the scorer's, once scored

    @property
    def alignment(self) -> Alignment:
        return self.alignments[0] if self.alignments else Alignment(None, None)


def pair_features(a: Item, b: Item, similarity: float | None, relative_similarity: float | None,
                  alignments: tuple[Alignment, ...]) -> PairScore:
    """Features of a pair; `a` is the earlier statement, `b` a later statement or a record.

    `relative_similarity` is the pair's similarity as a z-score among the case's pairs:
    embedding cosines of one case sit in a narrow band, and only the rank within it tells.
    Both are None when the case was too large to embed: they become NaN, which the scorer
    reads as "not measured".
    """
    verdicts = tuple(v for judge in RULE_JUDGES if (v := judge(a, b)) is not None)
    alignment = alignments[0]
    by_judge = {v.judge: v.score for v in verdicts}
    shared_words = a.topic_words & b.topic_words
    strongest = max(by_judge.values(), default=0.0)
    features = {
        **{name: by_judge.get(name, 0.0) for name in JUDGES},
        "same_speaker": float(a.speaker is not None and a.speaker == b.speaker),
        "speaker_is_actor": float(a.speaker is not None and a.speaker in b.actors),
        "shared_people": min(3, len((a.people | a.actors) & (b.people | b.actors))) / 3,
        "word_overlap": len(shared_words) / max(1, min(len(a.topic_words), len(b.topic_words))),
        "similarity": math.nan if similarity is None else similarity,
        "relative_similarity": (math.nan if relative_similarity is None
                                else max(-3.0, min(3.0, relative_similarity))),
        "a_negated": float(_negated(a)),
        "b_negated": float(_negated(b)),
        "polarity_flip": float(_negated(a) != _negated(b)),
        "a_answer": float(bool(a.question)),
        "b_answer": float(bool(b.question)),
        "b_retraction": float(b.retraction),
        "retraction_same_speaker": float(b.retraction and a.speaker == b.speaker),
        "opposite_answers": float(
            (a.denies_question and b.affirms_question) or (a.affirms_question and b.denies_question)
            or (a.denies_question and b.kind == "evidence")),
        "judged": float(bool(verdicts)),  # some rule judge spoke: a reason beyond likeness
        **alignment.features(),
        "judged_aligned": strongest * alignment.strength,
        **{f"a_{r}": float(a.speaker_role == r) for r in ROLES},
        **{f"b_{r}": float(b.speaker_role == r) for r in ROLES},
        "question_overlap": _overlap(a.question_words, b.question_words),
        "b_question_recalls_a": _overlap(b.question_words, a.words),
        "nli_contradiction": 0.0, "nli_entailment": 0.0, "nli_aligned": 0.0,
    }
    return PairScore(a.ref, b.ref, features, verdicts, alignments)


def _overlap(x: frozenset[str], y: frozenset[str]) -> float:
    return round(len(x & y) / max(1, min(len(x), len(y))), 4) if x and y else 0.0


def _negated(item: Item) -> bool:
    return item.denies_question or any(s.negated for s in item.sentences)


@dataclass(frozen=True)
class Scorer:
    """A logistic model over named features, with the threshold it was shipped with."""

    bias: float
    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    threshold: float

    @property
    def uses_nli(self) -> bool:
        return any(self.weights.get(f, 0.0) for f in NLI_FEATURES)

    def _z(self, features: dict[str, float]) -> dict[str, float]:
        """Standardised features; one that could not be measured (NaN: no embeddings for a
        very large case) stands at the average and moves nothing."""
        out = {}
        for n in self.weights:
            v = features.get(n, 0.0)
            out[n] = 0.0 if v != v else (v - self.means.get(n, 0.0)) / self.scales.get(n, 1.0)
        return out

    def score(self, features: dict[str, float]) -> float:
        """Calibrated probability, rounded so that a threshold never splits on float noise."""
        z = self.bias + sum(w * v for (n, w), v in zip(self.weights.items(),
                                                       self._z(features).values(), strict=True))
        return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 4)

    def contributions(self, features: dict[str, float]) -> list[tuple[str, float]]:
        """Features ranked by how much they pushed this score up, against an average pair."""
        z = self._z(features)
        return sorted(((n, w * z[n]) for n, w in self.weights.items()),
                      key=lambda p: (-p[1], p[0]))


@lru_cache(maxsize=2)
def load_scorers(variant: str = "nli") -> dict[str, Scorer]:
    """{finding kind: Scorer} from scorer.yaml, each checked against the features it reads.
    `variant`: "nli" (the model's readings are features) or "rules" (fitted without them, for
    when no model is loaded): a scorer never sees a feature it was not fitted with."""
    from tipline.analysis.answers import evasion_features, probing_features
    from tipline.analysis.implicated import FEATURES as IMPLICATED

    raw = yaml.safe_load(
        resources.files("tipline.analysis").joinpath("scorer.yaml").read_text(encoding="utf-8"))
    known = {"contradiction": FEATURES, "evidence_conflict": FEATURES,
             "evasion": evasion_features(), "probing": probing_features(),
             "implicated": IMPLICATED}
    out: dict[str, Scorer] = {}
    for kind, entry in raw["variants"][variant].items():
        unknown = set(entry["weights"]) - set(known.get(kind, ()))
        if unknown:
            raise ValueError(f"scorer.yaml: {variant}.{kind}: unknown features {sorted(unknown)}")
        out[kind] = Scorer(float(entry["bias"]),
                           {k: float(v) for k, v in entry["weights"].items()},
                           {k: float(v) for k, v in entry.get("means", {}).items()},
                           {k: float(v) for k, v in entry.get("scales", {}).items()},
                           float(entry["threshold"]))
    return out
