"""What each group of pair features adds, held-out, and a tree ensemble for comparison.

    python -m training.ablation

For contradiction and evidence_conflict: leave-one-author-out average precision and best F1
(over thresholds) of the shipped logistic model with all features, with each group left out,
and of scikit-learn's gradient boosting on all features. A group stays in the scorer only
where leaving it out costs something here.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score

from training.corpus import load_corpus
from training.fit_scorer import PAIR_KINDS, Logistic, Rows, loao_probs, prf, rows_for

GROUPS = {
    "alignment": ("al_actor", "al_act", "al_other", "al_time_meets", "al_time_apart",
                  "al_place_differs", "al_opposed", "al_a_weak", "al_b_weak", "al_strength",
                  "judged_aligned"),
    "roles": ("a_reporter", "a_subject", "a_witness", "b_reporter", "b_subject", "b_witness"),
    "questions": ("question_overlap", "b_question_recalls_a"),
    "similarity": ("similarity", "relative_similarity"),
    "polarity judge": ("polarity",),
    "retraction judge": ("retraction",),
}


def _without(rows: Rows, drop: tuple[str, ...]) -> Rows:
    keep = [k for k, n in enumerate(rows.names) if n not in drop]
    return Rows([rows.names[k] for k in keep], rows.x[:, keep], rows.y, rows.author,
                rows.case, rows.refs)


def _line(label: str, rows: Rows, probs: np.ndarray) -> str:
    best = max(prf(probs >= t, rows.y)[2] for t in np.arange(0.02, 0.99, 0.01))
    return f"| {label} | {average_precision_score(rows.y, probs):.3f} | {best:.3f} |"


def main() -> None:
    corpus = load_corpus()
    for kind in PAIR_KINDS:
        rows = rows_for(corpus, kind, use_nli=False)
        print(f"\n{kind} (leave-one-author-out)\n\n| model | AP | best F1 |\n|---|---:|---:|")
        for label, drop in [("logistic, all features", ()), *(
                (f"without {name}", group) for name, group in GROUPS.items())]:
            part = _without(rows, drop)
            print(_line(label, part, loao_probs(part, lambda x, y, p=part: Logistic(p.names)
                                                .fit(x, y))))
        boosted = np.zeros(len(rows.y))
        for author in sorted(set(rows.author)):
            test = rows.author == author
            model = HistGradientBoostingClassifier(
                max_iter=150, learning_rate=0.05, max_leaf_nodes=8, min_samples_leaf=40,
                l2_regularization=1.0, random_state=0).fit(rows.x[~test], rows.y[~test])
            boosted[test] = model.predict_proba(rows.x[test])[:, 1]
        print(_line("gradient boosting, all features", rows, boosted))


if __name__ == "__main__":
    main()
