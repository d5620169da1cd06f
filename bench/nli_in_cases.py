"""Does the NLI model separate real conflicts from the other pairs the engine considers?

usage: python bench/nli_in_cases.py [../shared/cases/dev]
For every statement pair and statement-record pair the engine scores on the dev cases (all
pairs, not only candidates), ROC AUC against the gold annotations of: each rule feature, and the
model's contradiction probability read four ways. 0.5 = no signal. Needs the shipped model.
"""

from __future__ import annotations

import sys
from itertools import product
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import rankdata

from tipline.analysis.conflicts import ConflictRun, find_conflicts, pair_kind
from tipline.analysis.embeddings import embed
from tipline.analysis.facts import build_items
from tipline.analysis.scoring import FEATURES
from tipline.case import load_case
from tipline.nli import load_nli_model

ROOT = Path(__file__).resolve().parents[1]


def auc(scores: list[float], labels: list[int]) -> float:
    y = np.array(labels)
    ranks = rankdata(np.array(scores))
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def main() -> int:
    cases = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "cases" / "dev"
    nli = load_nli_model()
    if nli is None or not cases.is_dir():
        print("needs the NLI model and the dev cases")
        return 0
    rows: dict[str, list[tuple[int, list[float], list, list]]] = {}
    for gold_path in sorted(cases.glob("*.gold.yaml")):
        case = load_case(gold_path.with_name(gold_path.name.replace(".gold.yaml", ".yaml")))
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8")) or {}
        items = build_items(case)
        by_ref = {it.ref: it for it in items}
        run = ConflictRun()
        find_conflicts(items, embed([it.embedding_text for it in items]), None, run=run,
                       all_pairs=True)
        for ps in run.scores:
            a, b = by_ref[ps.a], by_ref[ps.b]
            kind = pair_kind(a, b)
            assert kind is not None
            golds = {frozenset(map(str, p)) for p in (gold.get(kind) or [])}
            whole = [(a.text[:600], b.text[:600]), (b.text[:600], a.text[:600])]
            sentences = [(x.text[:300], y.text[:300])
                         for x, y in product(a.sentences, b.sentences)][:16]
            rows.setdefault(kind, []).append((int(frozenset((ps.a, ps.b)) in golds),
                                              [ps.features[f] for f in FEATURES], whole,
                                              sentences))
    for kind, kind_rows in rows.items():
        labels = [r[0] for r in kind_rows]
        print(f"\n{kind}: {len(labels)} pairs, {sum(labels)} gold")
        feats = np.array([r[1] for r in kind_rows])
        for i, name in enumerate(FEATURES):
            if feats[:, i].std() > 0 and not name.startswith("nli_"):
                print(f"  {name:26} {auc(feats[:, i].tolist(), labels):.3f}")
        whole = nli.predict([p for r in kind_rows for p in r[2]])
        sent = nli.predict([p for r in kind_rows for p in r[3]])
        ways: dict[str, list[float]] = {"model: whole texts, a->b": [],
                                        "model: whole texts, max of both ways": [],
                                        "model: all sentence pairs, max": [],
                                        "model: sentence pairs, max(contra - entail)": []}
        i = j = 0
        for r in kind_rows:
            w, s = whole[i:i + 2], sent[j:j + len(r[3])]
            i, j = i + 2, j + len(r[3])
            ways["model: whole texts, a->b"].append(w[0]["contradiction"])
            ways["model: whole texts, max of both ways"].append(
                max(p["contradiction"] for p in w))
            ways["model: all sentence pairs, max"].append(
                max((p["contradiction"] for p in s), default=0.0))
            ways["model: sentence pairs, max(contra - entail)"].append(
                max((p["contradiction"] - p["entailment"] for p in s), default=-1.0))
        for name, scores in ways.items():
            print(f"  {name:44} {auc(scores, labels):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
