"""Are the linker's hand-set weights the limit? Fit them, and a gradient-boosted model, on
one synthetic archive and score both on another (README, linking).

    nice -n 10 python bench/links_fit.py [--train-size 100000] [--size 100000]

Every pair `match_people` compares is read into `pair_features` (one value per named weight)
on an archive drawn with seed 99; a logistic regression and scikit-learn's gradient boosting
are fitted on them and, beside the shipped weights, scored on the seed-15 archive (the
benchmark's) by pairwise precision and recall at a few thresholds. Also printed: the share of
true pairs blocking lets be compared at all (the recall no scorer can pass).
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

    def reading(a, b, counts):  # type: ignore[no-untyped-def]
        found, reasons = features(a, b, counts)
        same = truth[index[a.record.case]] == truth[index[b.record.case]]
        rows.append(([found.get(n, 0.0) for n in NAMES], int(same)))
        return found, reasons

    link.pair_features = reading  # type: ignore[assignment]
    try:
        link.match_people(records, threshold=2.0)  # compare all, keep none
    finally:
        link.pair_features = features  # type: ignore[assignment]
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(truth).values())
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows]), true_pairs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-size", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=100_000)
    args = ap.parse_args()
    x_train, y_train, _ = compared_pairs(args.train_size, 99)
    logistic = LogisticRegression(C=10, max_iter=2000).fit(x_train, y_train)
    boosted = HistGradientBoostingClassifier(max_iter=200, random_state=0).fit(x_train, y_train)
    print("fitted weights:", {n: round(float(w), 2) for n, w in zip(
        NAMES, logistic.coef_[0], strict=True)}, "prior", round(float(logistic.intercept_[0]), 2))
    x, y, true_pairs = compared_pairs(args.size, 15)
    hand = np.array([link.WEIGHTS[n] for n in NAMES])
    models = {"hand weights": 1 / (1 + np.exp(-(x @ hand + link.WEIGHTS["prior"]))),
              "logistic": logistic.predict_proba(x)[:, 1],
              "gradient boosting": boosted.predict_proba(x)[:, 1]}
    print(f"\n{args.size:,} records (seed 15), fitted on {args.train_size:,} (seed 99)\n")
    print("| model | threshold | precision | recall |\n|---|---:|---:|---:|")
    for label, probs in models.items():
        for t in (0.5, 0.7, 0.9):
            pred = probs >= t
            right = int((pred & (y == 1)).sum())
            print(f"| {label} | {t} | {right / max(int(pred.sum()), 1):.3f} "
                  f"| {right / true_pairs:.3f} |")
    print(f"\ntrue pairs blocking lets be compared: {y.sum() / true_pairs:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
