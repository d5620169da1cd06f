"""Pair-scorer ideas measured leave-one-author-out and not kept (README, analysis quality).

    python -m training.held_out_ideas

Each idea adds columns to the shipped logistic scorer's pair features (or filters its
held-out predictions) and prints held-out average precision, best F1 over thresholds and
recall where pooled precision reaches 0.75 and 0.6, beside the shipped features ("base"):
within-case ranks of a feature, whether a pair is an item's best partner, the case's held-out
evasion and probing probabilities, keeping only each item's best pair, and the best
sentence-pair similarity of two items, and how much the later statement's opening sounds like
an admission, and the cross-encoder fine-tuned on the other authors' pairs on a GPU
(`training/device_domain.sh`; its held-out probabilities are kept in
`training/results/domain-nli-heldout.tsv.gz`, one column per setting). For the
single-statement kinds: probing with and without `probe_like_question` (shipped) and with
the whole statement's likeness (not kept); evasion with question-answer similarity and with
the two-list idea for evasive answers (not kept).
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score

from tipline.analysis.answers import PROBE_LIKE, WORRY_LIKE
from tipline.analysis.embeddings import embed
from tipline.analysis.facts import build_items
from tipline.case import load_case
from training.corpus import CaseRows, case_files, load_corpus
from training.fit_scorer import PAIR_KINDS, Logistic, Rows, loao_probs, prf, rows_for

THRESHOLDS = np.arange(0.02, 0.99, 0.01)
DOMAIN_PREDS = Path(__file__).with_name("results") / "domain-nli-heldout.tsv.gz"


def held_out(rows: Rows) -> np.ndarray:
    return loao_probs(rows, lambda x, y, n=rows.names: Logistic(n).fit(x, y))


def line(label: str, y: np.ndarray, probs: np.ndarray, keep: np.ndarray | None = None) -> str:
    keep = np.ones(len(y), bool) if keep is None else keep
    res = [prf((probs >= t) & keep, y) for t in THRESHOLDS]

    def recall_at(p: float) -> float:
        return max([r for pr, r, _ in res if pr >= p] or [0.0])

    return (f"| {label} | {average_precision_score(y, probs * keep):.3f} | "
            f"{max(f for *_, f in res):.3f} | {recall_at(0.75):.3f} | {recall_at(0.6):.3f} |")


def domain_columns(rows: Rows) -> dict[str, np.ndarray]:
    """{setting: held-out P(conflict) of the fine-tuned cross-encoder for each row}."""
    with gzip.open(DOMAIN_PREDS, "rt", encoding="utf-8") as f:
        table = list(csv.DictReader(f, delimiter="\t"))
    by_key = {r.pop("key"): r for r in table}
    keys = [f"{c}|{refs[0]}|{refs[1]}" for c, refs in zip(rows.case, rows.refs, strict=True)]
    return {name: np.array([float(by_key[k][name]) for k in keys]) for name in table[0]}


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


# The two-list idea for contradictions: does the later statement open like an admission?
ADMISSION_LIKE = ("I have to correct what I said earlier.", "What I told you before was not true.",
                  "I admit that I did it.", "I wasn't honest with you the first time.",
                  "我要更正我之前说的话。", "我之前跟你们说的不是实话。", "是我做的，我认了。",
                  "刚才那些话是我编的。")
PLAIN_LIKE = ("I went to work as usual that day.", "He called me on Monday.",
              "I don't know anything about that.", "我那天照常上班。", "他周一给我打了电话。",
              "这件事我不清楚。")
# The two-list idea for evasion, as it was tried: evasive answers against direct ones.
EVASIVE_LIKE = ("I don't remember.", "Why are you asking me that?",
                "You should ask someone else about that.", "I'd rather not go into that.",
                "That doesn't matter.", "我记不清了。", "你问这个干什么？", "这个你去问别人吧。",
                "这个不好说。", "这不重要。")
DIRECT_LIKE = ("Yes, I did.", "No, I never met him.",
               "It was on the third of May, around eight in the evening.",
               "I paid him five thousand.", "是的，我去过。", "没有，我从没见过他。",
               "是五月三日晚上八点左右。", "我给了他五千块。")


def _nearer(vectors: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (vectors @ first.T).max(axis=1) - (vectors @ second.T).max(axis=1)


def embedded_ideas() -> tuple[dict[tuple[str, str], dict[str, float]],
                              dict[tuple[str, frozenset[str]], float]]:
    """Per statement: its whole text's probe likeness, question-answer similarity and evasive
    likeness; per pair of items: the best cosine between a sentence of each."""
    protos = {k: embed(v) for k, v in (("probe", PROBE_LIKE), ("worry", WORRY_LIKE),
                                      ("evasive", EVASIVE_LIKE), ("direct", DIRECT_LIKE),
                                      ("admission", ADMISSION_LIKE), ("plain", PLAIN_LIKE))}
    single: dict[tuple[str, str], dict[str, float]] = {}
    pairs: dict[tuple[str, frozenset[str]], float] = {}
    for cf in case_files():
        case = load_case(cf.path)
        items = build_items(case)
        whole = embed([it.embedding_text for it in items])
        for k, it in enumerate(items):
            if it.kind != "statement":
                continue
            feats = single[(case.id, it.ref)] = {
                "probe_like": float(_nearer(whole[k:k + 1], protos["probe"], protos["worry"])[0]),
                "evasive_like": float(_nearer(whole[k:k + 1], protos["evasive"],
                                              protos["direct"])[0])}
            if it.question:
                feats["qa_similarity"] = float(embed([it.question])[0] @ whole[k])
            opening = embed([s.text for s in it.sentences if s.text.strip()][:2] or [it.text])
            feats["admission_like"] = float(_nearer(opening, protos["admission"],
                                                    protos["plain"]).max())
        texts, owner = [], []
        for k, it in enumerate(items):
            parts = ([it.embedding_text] if it.kind == "evidence" else
                     [s.text for s in it.sentences if len(s.text.strip()) > 3] or [it.text])
            texts += [t[:300] for t in parts]
            owner += [k] * len(parts)
        sims, own = embed(texts), np.array(owner)
        cos = sims @ sims.T
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                pairs[(case.id, frozenset((items[i].ref, items[j].ref)))] = float(
                    cos[np.ix_(own == i, own == j)].max())
    return single, pairs


def single_kinds(corpus: list[CaseRows], single: dict[tuple[str, str], dict[str, float]]
                 ) -> None:
    def column(rows: Rows, name: str) -> np.ndarray:
        return np.array([single.get((c, refs[0]), {}).get(name, 0.0)
                         for c, refs in zip(rows.case, rows.refs, strict=True)])

    rows = rows_for(corpus, "probing", use_nli=False)
    shipped = rows.names.index("probe_like_question")
    without = Rows([n for n in rows.names if n != "probe_like_question"],
                   np.delete(rows.x, shipped, axis=1), rows.y, rows.author, rows.case, rows.refs)
    print("\nprobing (leave-one-author-out)\n\n| model | AP | best F1 | R at P 0.75 "
          "| R at P 0.6 |\n|---|---:|---:|---:|---:|")
    print(line("cue families and question shape", rows.y, held_out(without)))
    print(line("+ whole statement's likeness", rows.y, held_out(
        with_columns(without, {"probe_like": column(rows, "probe_like")}))))
    print(line("+ question's likeness (shipped)", rows.y, held_out(rows)))
    print(line("+ both", rows.y, held_out(
        with_columns(rows, {"probe_like": column(rows, "probe_like")}))))
    rows = rows_for(corpus, "evasion", use_nli=False)
    print("\nevasion (leave-one-author-out)\n\n| model | AP | best F1 | R at P 0.75 "
          "| R at P 0.6 |\n|---|---:|---:|---:|---:|")
    print(line("base", rows.y, held_out(rows)))
    for name in ("qa_similarity", "evasive_like"):
        print(line(f"+ {name}", rows.y, held_out(with_columns(rows, {name: column(rows, name)}))))


def main() -> None:
    corpus = load_corpus()
    ctx = case_context(corpus)
    single, sentence_pairs = embedded_ideas()
    single_kinds(corpus, single)
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
        admits = np.array([single.get((c, refs[1]), {}).get("admission_like", 0.0)
                           for c, refs in zip(rows.case, rows.refs, strict=True)])
        print(line("+ the later statement's admission likeness", rows.y, held_out(
            with_columns(rows, {"b_admission": admits}))))
        best_sentences = np.array([sentence_pairs[(c, frozenset(refs))]
                                   for c, refs in zip(rows.case, rows.refs, strict=True)])
        print(line("+ best sentence-pair similarity", rows.y, held_out(
            with_columns(rows, {"best_sentences": best_sentences}))))
        for name, col in domain_columns(rows).items():
            print(line(f"fine-tuned cross-encoder {name} alone", rows.y, col))
            print(line(f"+ fine-tuned cross-encoder {name}", rows.y, held_out(
                with_columns(rows, {"domain": col}))))
        print(line("only each item's best pair", rows.y, base,
                   best_partner(rows, base).astype(bool)))
        print(line("only mutual best pairs", rows.y, base,
                   best_partner(rows, base, all).astype(bool)))


if __name__ == "__main__":
    main()
