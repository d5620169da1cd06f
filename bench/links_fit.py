"""Fit the linker's weights: a logistic regression on one synthetic archive, its threshold
chosen there, scored on another (README, linking).

    nice -n 10 python bench/links_fit.py [--train-size 100000] [--size 100000] [--seeds 15]

Every pair `match_people` compares is read into `pair_features` (one value per named weight)
on an archive drawn with seed 99; a logistic regression is fitted on them (its rounded
coefficients are what `WEIGHTS` in `links/link.py` holds) and the threshold is the lowest
that keeps precision at 0.95 on that same training archive. Both are then scored, beside the
shipped weights and scikit-learn's gradient boosting on the same features, on archives drawn
with other seeds (15 is the benchmark's) by pairwise precision and recall. Also printed: the
share of true pairs blocking lets be compared at all (the recall no scorer can pass).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).parent))

from links_synthetic import generate  # noqa: E402
from tipline.links import link  # noqa: E402
from tipline.links.extract import PersonRecord  # noqa: E402
from tipline.links.identifiers import clean  # noqa: E402

NAMES = [k for k in link.WEIGHTS if k != "prior"]
TARGET_PRECISION = 0.95


def compared_pairs(size: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Features and truth of every pair the linker compares, and the number of true pairs."""
    raw, truth = generate(size, seed)
    records = [PersonRecord(item.case, item.person, "subject", (item.name,), tuple(
        found for kind, value in (("phone", item.phone), ("email", item.email),
                                  ("account", item.account))
        if value and (found := clean(kind, value, "CN")) is not None)) for item in raw]
    index = {r.case: i for i, r in enumerate(records)}
    rows: list[tuple[list[float], int]] = []
    features = link.pair_features

    def reading(a, b, archive):  # type: ignore[no-untyped-def]
        found, reasons = features(a, b, archive)
        same = truth[index[a.record.case]] == truth[index[b.record.case]]
        rows.append(([found.get(n, 0.0) for n in NAMES], int(same)))
        return found, reasons

    link.pair_features = reading  # type: ignore[assignment]
    try:
        link.match_people(records, threshold=2.0, prune=False)  # compare all, keep none
    finally:
        link.pair_features = features  # type: ignore[assignment]
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(truth).values())
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), true_pairs


def precision_recall(probs: np.ndarray, y: np.ndarray, true_pairs: int,
                     threshold: float) -> tuple[float, float]:
    pred = probs >= threshold
    right = int((pred & (y == 1)).sum())
    return right / max(int(pred.sum()), 1), right / true_pairs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-size", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[15])
    args = ap.parse_args()
    x_train, y_train, train_pairs = compared_pairs(args.train_size, 99)
    logistic = LogisticRegression(C=10, max_iter=5000).fit(x_train, y_train)
    weights = {"prior": round(float(logistic.intercept_[0]), 2)} | {
        n: round(float(w), 2) for n, w in zip(NAMES, logistic.coef_[0], strict=True)}
    fitted = np.array([weights[n] for n in NAMES])

    def rounded(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(x @ fitted + weights["prior"])))

    train_probs = rounded(x_train)
    threshold = next(t for t in np.arange(0.5, 0.99, 0.005)
                     if precision_recall(train_probs, y_train, train_pairs, t)[0]
                     >= TARGET_PRECISION)
    print("fitted weights (seed 99):", weights)
    print(f"threshold: {threshold:.3f} (lowest with precision >= {TARGET_PRECISION} on seed 99, "
          "P {:.3f} R {:.3f} there)".format(
              *precision_recall(train_probs, y_train, train_pairs, threshold)))
    boosted = HistGradientBoostingClassifier(max_iter=200, random_state=0).fit(x_train, y_train)
    hand = np.array([link.WEIGHTS[n] for n in NAMES])
    for seed in args.seeds:
        x, y, true_pairs = compared_pairs(args.size, seed)
        models = {"shipped weights": 1 / (1 + np.exp(-(x @ hand + link.WEIGHTS["prior"]))),
                  "fitted (rounded)": rounded(x),
                  "gradient boosting": boosted.predict_proba(x)[:, 1]}
        print(f"\n{args.size:,} records (seed {seed}), fitted on {args.train_size:,} (seed 99)\n")
        print("| model | threshold | precision | recall |\n|---|---:|---:|---:|")
        for label, probs in models.items():
            for t in sorted({0.5, link.THRESHOLD, round(float(threshold), 3), 0.9}):
                p, r = precision_recall(probs, y, true_pairs, t)
                print(f"| {label} | {t} | {p:.3f} | {r:.3f} |")
        print(f"\ntrue pairs blocking lets be compared: {y.sum() / true_pairs:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
