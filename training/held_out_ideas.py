"""Pair-scorer ideas measured leave-one-author-out and not kept (README, analysis quality).

    python -m training.held_out_ideas

Each idea adds columns to the shipped logistic scorer's pair features (or filters its
held-out predictions) and prints held-out average precision, best F1 over thresholds and
recall where pooled precision reaches 0.75 and 0.6, beside the shipped features ("base"):
within-case ranks of a feature, whether a pair is an item's best partner, the case's held-out
evasion and probing probabilities, and keeping only each item's best pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score

from training.corpus import CaseRows, load_corpus
from training.fit_scorer import PAIR_KINDS, Logistic, Rows, loao_probs, prf, rows_for

THRESHOLDS = np.arange(0.02, 0.99, 0.01)


def held_out(rows: Rows) -> np.ndarray:
    return loao_probs(rows, lambda x, y, n=rows.names: Logistic(n).fit(x, y))


def line(label: str, y: np.ndarray, probs: np.ndarray, keep: np.ndarray | None = None) -> str:
    keep = np.ones(len(y), bool) if keep is None else keep
    res = [prf((probs >= t) & keep, y) for t in THRESHOLDS]

    def recall_at(p: float) -> float:
        return max([r for pr, r, _ in res if pr >= p] or [0.0])

    return (f"| {label} | {average_precision_score(y, probs * keep):.3f} | "
            f"{max(f for *_, f in res):.3f} | {recall_at(0.75):.3f} | {recall_at(0.6):.3f} |")


def with_columns(rows: Rows, cols: dict[str, np.ndarray]) -> Rows:
    return Rows(rows.names + list(cols), np.column_stack([rows.x, *cols.values()]), rows.y,
                rows.author, rows.case, rows.refs)


def case_rank(rows: Rows, name: str) -> np.ndarray:
    k, out = rows.names.index(name), np.zeros(len(rows.y))
    for case in set(rows.case):
        m = rows.case == case
        out[m] = rankdata(rows.x[m, k]) / m.sum()
    return out


def best_partner(rows: Rows, values: np.ndarray, how: Callable[..., bool] = any) -> np.ndarray:
    """1 where the pair holds the highest value among the pairs of one (any) or both (all) of
    its items."""
    best: dict[tuple[str, str], float] = defaultdict(float)
    for v, case, refs in zip(values, rows.case, rows.refs, strict=True):
        for ref in refs:
            best[(case, ref)] = max(best[(case, ref)], v)
    return np.array([how(v >= best[(c, r)] - 1e-9 for r in refs)
                     for v, c, refs in zip(values, rows.case, rows.refs, strict=True)], float)


def case_context(corpus: list[CaseRows]) -> dict[str, dict[str, float]]:
    """Per case: the highest held-out evasion and probing probability of its statements."""
    ctx: dict[str, dict[str, float]] = defaultdict(dict)
    for kind in ("evasion", "probing"):
        rows = rows_for(corpus, kind, use_nli=False)
        probs = held_out(rows)
        for case in set(rows.case):
            ctx[case][f"{kind}_max"] = float(probs[rows.case == case].max())
    return ctx


def main() -> None:
    corpus = load_corpus()
    ctx = case_context(corpus)
    for kind in PAIR_KINDS:
        rows = rows_for(corpus, kind, use_nli=False)
        print(f"\n{kind} (leave-one-author-out)\n\n| model | AP | best F1 | R at P 0.75 "
              "| R at P 0.6 |\n|---|---:|---:|---:|---:|")
        base = held_out(rows)
        print(line("base", rows.y, base))
        for name in ("similarity", "word_overlap", "al_strength"):
            print(line(f"+ within-case rank of {name}", rows.y, held_out(
                with_columns(rows, {f"rank_{name}": case_rank(rows, name)}))))
        for name in ("similarity", "al_strength"):
            col = best_partner(rows, rows.x[:, rows.names.index(name)])
            print(line(f"+ best partner by {name}", rows.y, held_out(
                with_columns(rows, {f"best_{name}": col}))))
        for names in (["evasion_max"], ["probing_max"], ["evasion_max", "probing_max"]):
            cols = {n: np.array([ctx[c].get(n, 0.0) for c in rows.case]) for n in names}
            print(line("+ case " + " and ".join(names), rows.y,
                       held_out(with_columns(rows, cols))))
        print(line("only each item's best pair", rows.y, base,
                   best_partner(rows, base).astype(bool)))
        print(line("only mutual best pairs", rows.y, base,
                   best_partner(rows, base, all).astype(bool)))


if __name__ == "__main__":
    main()
