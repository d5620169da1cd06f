"""Fit the learned scorer (src/tipline/analysis/scorer.yaml) and measure it leave-one-author-out.

    python -m training.fit_scorer            # LOAO tables, then fit on all six authors and write
    python -m training.fit_scorer --no-write # the tables only

One logistic model per finding kind (contradiction, evidence_conflict, evasion, probing), one
named weight per feature so that the strongest contribution can explain a finding. The number
that counts is leave-one-author-out: for each of the six authors, fit on the other five (the
threshold too, chosen by an inner leave-one-author-out over those five), analyse the sixth,
and score every analysis with the shared scorer (shared/tools/score_cases.py). The shipped
threshold is chosen on the outer leave-one-author-out predictions: the best F1 among those at
which precision reaches TARGET_PRECISION.

Two variants are fitted and written: "nli" (the NLI model's readings of the aligned claims are
features) and "rules" (without them, used when no model is loaded). Their tables side by side
measure what the model adds.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import minimize

from tipline.analysis.answers import evasion_features, probing_features
from tipline.analysis.scoring import FEATURES, NLI_FEATURES
from training.corpus import SHARED, CaseRows, case_files, honest, load_corpus

SCORER = Path(__file__).resolve().parents[1] / "src/tipline/analysis/scorer.yaml"
TARGET_PRECISION = 0.75
MIN_GAIN = 0.01  # mean pair-kind F1 the NLI features must add, held-out, to be used
PAIR_KINDS = ("contradiction", "evidence_conflict")
C = 0.5  # inverse L2 strength, on standardised features

# A judge that asserts a conflict may never lower the score: bounded at zero, so a few cases
# cannot teach the model that, say, an amount mismatch is a sign of consistency.
NON_NEGATIVE = frozenset({
    "polarity", "retraction", "judged_aligned",
    "al_opposed", "nli_contradiction", "nli_aligned", "opposite_answers",
    "retraction_same_speaker",
})


@dataclass
class Rows:
    """One kind's rows: features, labels, and which case and author each comes from."""

    names: list[str]
    x: np.ndarray
    y: np.ndarray
    author: np.ndarray
    case: np.ndarray
    refs: list[tuple[str, ...]]


def rows_for(corpus: list[CaseRows], kind: str, use_nli: bool) -> Rows:
    if kind in PAIR_KINDS:
        names = [f for f in FEATURES if use_nli or f not in NLI_FEATURES]
        src = [(r.author, r.case, (p.a, p.b), p.features, p.label)
               for r in corpus for p in r.pairs if p.kind == kind]
    elif kind == "evasion":
        names = evasion_features()
        src = [(r.author, r.case, (a.ref,), a.features, a.evasion)
               for r in corpus for a in r.answers
               if a.features["is_answer"] and not a.features["open_invitation"]]
    else:
        names = probing_features()
        src = [(r.author, r.case, (a.ref,), a.features, a.probing)
               for r in corpus for a in r.answers if a.by_reporter]
    return Rows(names, np.array([[f.get(n, 0.0) for n in names] for *_, f, _ in src], float),
                np.array([s[4] for s in src], int), np.array([s[0] for s in src]),
                np.array([s[1] for s in src]), [s[2] for s in src])


class Logistic:
    """L2-regularised logistic regression on standardised features, with sign bounds."""

    def __init__(self, names: Sequence[str], c: float = C) -> None:
        self.names, self.c = list(names), c

    def fit(self, x: np.ndarray, y: np.ndarray) -> Logistic:
        self.mean = x.mean(axis=0)
        self.scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        z = (x - self.mean) / self.scale
        weight = np.ones(len(y))  # unweighted, so that the probabilities stay calibrated

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[:-1], theta[-1]
            p = 1 / (1 + np.exp(-np.clip(z @ w + b, -30, 30)))
            eps = 1e-9
            nll = -np.sum(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
            g = weight * (p - y)
            return nll + 0.5 * np.sum(w * w) / self.c, np.append(z.T @ g + w / self.c, g.sum())

        bounds = [(0.0, None) if n in NON_NEGATIVE else (None, None) for n in self.names]
        res = minimize(loss, np.zeros(len(self.names) + 1), jac=True, method="L-BFGS-B",
                       bounds=[*bounds, (None, None)])
        self.coef, self.bias = res.x[:-1], float(res.x[-1])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.scale
        return np.round(1 / (1 + np.exp(-np.clip(z @ self.coef + self.bias, -30, 30))), 4)

    def to_dict(self, threshold: float) -> dict[str, Any]:
        keep = [k for k, w in enumerate(self.coef) if abs(w) > 1e-6]
        return {
            "bias": round(self.bias, 5), "threshold": round(float(threshold), 4),
            "weights": {self.names[k]: round(float(self.coef[k]), 5) for k in keep},
            "means": {self.names[k]: round(float(self.mean[k]), 5) for k in keep},
            "scales": {self.names[k]: round(float(self.scale[k]), 5) for k in keep},
        }


def prf(pred: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def choose_threshold(probs: np.ndarray, y: np.ndarray, target: float = TARGET_PRECISION
                     ) -> float:
    """The threshold with the best F1 among those whose precision reaches the target; if none
    does, the one with the best precision (ties: the best F1)."""
    best: tuple[float, float, float] | None = None
    fallback: tuple[float, float, float] = (-1.0, -1.0, 0.99)
    for t in np.round(np.arange(0.05, 0.995, 0.01), 2):
        p, _, f = prf(probs >= t, y)
        if (probs >= t).sum() == 0:
            continue
        if p >= target and (best is None or f > best[0]):
            best = (f, p, float(t))
        if (p, f) > fallback[:2]:
            fallback = (p, f, float(t))
    return best[2] if best is not None else fallback[2]


def loao_probs(rows: Rows, fit: Callable[[np.ndarray, np.ndarray], Logistic]) -> np.ndarray:
    """Each row's probability from a model that never saw its author."""
    out = np.zeros(len(rows.y))
    for author in sorted(set(rows.author)):
        test = rows.author == author
        out[test] = fit(rows.x[~test], rows.y[~test]).predict(rows.x[test])
    return out


def nested(rows: Rows, fit: Callable[[np.ndarray, np.ndarray], Logistic],
           choose: Callable[[np.ndarray, np.ndarray], float] | None = None
           ) -> tuple[np.ndarray, dict[str, float]]:
    """Outer LOAO probabilities and, per held-out author, a threshold chosen (by `choose`,
    default `choose_threshold`) on the other five by an inner LOAO: nothing about the scored
    author shapes its predictions."""
    choose = choose or choose_threshold
    probs = np.zeros(len(rows.y))
    thresholds: dict[str, float] = {}
    for author in sorted(set(rows.author)):
        test = rows.author == author
        inner = Rows(rows.names, rows.x[~test], rows.y[~test], rows.author[~test],
                     rows.case[~test], [])
        thresholds[str(author)] = choose(loao_probs(inner, fit), inner.y)
        probs[test] = fit(rows.x[~test], rows.y[~test]).predict(rows.x[test])
    return probs, thresholds


TRADE_OFF = (0.2, 0.3, 0.5, 0.7, 0.9)


def predictions(corpus: list[CaseRows], use_nli: bool
                ) -> tuple[dict[str, dict[str, list[tuple[tuple[str, ...], float]]]],
                           dict[str, Any], list[str]]:
    """Per case, per kind: the refs asserted leave-one-author-out (with their scores); and the
    model fitted on all authors, with its shipped threshold, per kind; and the precision and
    recall a reader would get at other thresholds (markdown rows), held-out."""
    per_case: dict[str, dict[str, list[tuple[tuple[str, ...], float]]]] = defaultdict(
        lambda: defaultdict(list))
    shipped: dict[str, Any] = {}
    trade: list[str] = []
    for kind in (*PAIR_KINDS, "evasion", "probing"):
        rows = rows_for(corpus, kind, use_nli)

        def fit(x: np.ndarray, y: np.ndarray, names: list[str] = rows.names) -> Logistic:
            return Logistic(names).fit(x, y)

        probs, thresholds = nested(rows, fit)
        for k in range(len(rows.y)):
            if kind in PAIR_KINDS:
                per_case[str(rows.case[k])]["pairs"].append((rows.refs[k], float(probs[k])))
            if probs[k] >= thresholds[str(rows.author[k])]:
                per_case[str(rows.case[k])][kind].append((rows.refs[k], float(probs[k])))
        threshold = choose_threshold(probs, rows.y)
        model = fit(rows.x, rows.y)
        shipped[kind] = {**model.to_dict(threshold),
                         "loao_thresholds": {str(a): float(t) for a, t in thresholds.items()}}
        trade.append(f"| {kind} | " + " | ".join(
            "{:.2f} / {:.2f}".format(*prf(probs >= t, rows.y)[:2]) for t in TRADE_OFF) + " |")
        p, r, f = prf(probs >= threshold, rows.y)
        print(f"  {kind:18} rows {len(rows.y):6} positives {int(rows.y.sum()):4}  "
              f"shipped threshold {threshold:.2f} (LOAO at it: P {p:.3f} R {r:.3f} F1 {f:.3f})",
              file=sys.stderr)
    shipped["implicated"] = implicated_stage(corpus, per_case)
    return per_case, shipped, trade


IMPLICATED_THRESHOLD = 0.5  # calibrated: more likely than not; the floor of the threshold


def implicated_stage(corpus: list[CaseRows], per_case: dict[str, Any]) -> dict[str, Any]:
    """reporter_implicated, stacked on the held-out pair, evasion and probing predictions: the
    records' score and how the reporter's own account fares, one row per case whose records
    show the reporter at all. Writes each case's held-out decision into `per_case`."""
    from tipline.analysis.findings import Finding
    from tipline.analysis.implicated import FEATURES as NAMES
    from tipline.analysis.implicated import find_implicated, implicated_features
    from tipline.case import load_case

    paths = {load_case(cf.path).id: cf.path for cf in case_files()}
    src = []
    for r in corpus:
        case, found = load_case(paths[r.case]), per_case[r.case]
        kinds = ("evidence_conflict", "evasion", "probing")
        findings = [Finding(kind=k, refs=refs, score=p, explanation="")
                    for k in kinds for refs, p in found.get(k, [])]
        rule = find_implicated(case, [f for f in findings if f.kind == "evidence_conflict"],
                               threshold=0.0)
        if rule is not None:
            feats = implicated_features(case, rule, found.get("pairs", []), findings)
            src.append((r.author, r.case, rule.refs, feats,
                        int(bool(r.gold.get("reporter_implicated")))))
    rows = Rows(list(NAMES), np.array([[f[n] for n in NAMES] for *_, f, _ in src], float),
                np.array([s[4] for s in src], int), np.array([s[0] for s in src]),
                np.array([s[1] for s in src]), [s[2] for s in src])

    def fit(x: np.ndarray, y: np.ndarray) -> Logistic:
        return Logistic(NAMES).fit(x, y)

    probs, thresholds = nested(rows, fit, accusing_nobody)
    for k in range(len(rows.y)):
        if probs[k] >= thresholds[str(rows.author[k])]:
            per_case[str(rows.case[k])]["reporter_implicated"].append(
                (rows.refs[k], float(probs[k])))
    threshold = accusing_nobody(probs, rows.y)
    print(f"  {'reporter_implicated':18} rows {len(rows.y):6} positives {int(rows.y.sum()):4}  "
          f"shipped threshold {threshold:.2f}", file=sys.stderr)
    return {**fit(rows.x, rows.y).to_dict(threshold),
            "loao_thresholds": {a: float(t) for a, t in thresholds.items()}}


def accusing_nobody(probs: np.ndarray, y: np.ndarray) -> float:
    """The lowest threshold, from "more likely than not" up, at which these held-out
    predictions implicate no reporter the gold does not: telling an honest reporter that the
    evidence points at him is the worst error the analyzer can make."""
    worst = float(probs[y == 0].max(initial=0.0))
    return max(IMPLICATED_THRESHOLD, round(worst + 0.01, 2))


def write_analyses(corpus: list[CaseRows], per_case: dict[str, Any], out: Path) -> None:
    """Analyses in the contract's shape, from the held-out decisions in `per_case`."""
    for r in corpus:
        found = per_case.get(r.case, {})
        findings = [{"kind": kind, "refs": list(refs), "score": score}
                    for kind in (*PAIR_KINDS, "evasion", "probing", "reporter_implicated")
                    for refs, score in found.get(kind, [])]
        (out / f"{r.case}.json").write_text(json.dumps({"case": r.case, "findings": findings},
                                                       ensure_ascii=False), encoding="utf-8")


def score(out: Path, cases: Path) -> str:
    done = subprocess.run([sys.executable, str(SHARED / "tools" / "score_cases.py"), str(cases),
                           "--outputs", str(out)], capture_output=True, text=True, check=True)
    return done.stdout


def honest_report(corpus: list[CaseRows], out: Path) -> tuple[int, int, int]:
    """(honest cases, false findings in them, honest reporters implicated)."""
    n = false = accused = 0
    for r in corpus:
        if not honest(r.gold):
            continue
        n += 1
        findings = json.loads((out / f"{r.case}.json").read_text(encoding="utf-8"))["findings"]
        evasive = set(map(str, r.gold.get("evasion") or []))
        for f in findings:
            if f["kind"] == "evasion" and f["refs"][0] in evasive:
                continue
            false += 1
            accused += f["kind"] == "reporter_implicated"
    return n, false, accused


def per_author(corpus: list[CaseRows], out: Path) -> list[str]:
    """One line per held-out author: F1 of each kind on that author's cases."""
    lines = []
    for author in sorted({r.author for r in corpus}):
        with tempfile.TemporaryDirectory() as tmp:
            cases = Path(tmp)
            for cf in case_files():
                if cf.author == author:
                    for p in (cf.path, cf.path.with_name(cf.path.stem + ".gold.yaml")):
                        (cases / p.name).symlink_to(p)
            last = score(out, cases).strip().splitlines()[-1]
        lines.append(f"| {author} | " + " | ".join(
            v.split("=")[1] for v in last.split()[2:7]) + " |")
    return lines


def all_cases_dir(tmp: Path) -> Path:
    """A folder of links to every annotated case and its gold, for one run of the scorer."""
    cases = tmp / "cases"
    cases.mkdir()
    for cf in case_files():
        for p in (cf.path, cf.path.with_name(cf.path.stem + ".gold.yaml")):
            (cases / p.name).symlink_to(p)
    return cases


def report(corpus: list[CaseRows], out: Path, cases: Path, who: str = "held-out author") -> str:
    """The scorer's table, the honest-case line and the per-author table for analyses in
    `out`."""
    n, false, accused = honest_report(corpus, out)
    return "\n".join([
        "```", score(out, cases).rstrip(),
        f"honest-reporter cases: {n}; false findings per honest case: {false / n:.2f}; "
        f"honest reporters implicated: {accused}", "```", "",
        f"| {who} | contradiction | evidence_conflict | evasion | probing "
        "| implicated acc |", "|---|---:|---:|---:|---:|---:|", *per_author(corpus, out)])


def leave_one_author_out(variant: str = "nli") -> tuple[str, dict[str, Any]]:
    """The LOAO report (markdown) of one variant and its scorer fitted on every author."""
    corpus = load_corpus()
    per_case, shipped, trade = predictions(corpus, use_nli=variant == "nli")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        write_analyses(corpus, per_case, out)
        text = report(corpus, out, all_cases_dir(Path(tmp)))
    text += ("\n\nPrecision / recall held-out at other thresholds (all authors pooled; the "
             "shipped threshold is the one in scorer.yaml):\n\n| kind | "
             + " | ".join(f"≥ {t}" for t in TRADE_OFF) + " |\n|---|"
             + "---:|" * len(TRADE_OFF) + "\n" + "\n".join(trade))
    head = (f"Leave-one-author-out over {len({r.author for r in corpus})} authors, "
            f"{len(corpus)} cases, variant `{variant}` (`python -m training.fit_scorer`):\n")
    return head + "\n" + text, shipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    args = parser.parse_args()
    variants: dict[str, Any] = {}
    f1s: dict[str, float] = {}
    for variant in ("nli", "rules"):
        text, variants[variant] = leave_one_author_out(variant)
        print(text + "\n")
        last = next(line for line in text.splitlines() if line.startswith("overall: F1"))
        scores = dict(part.split("=") for part in last.removeprefix("overall: F1 ").split())
        f1s[variant] = sum(float(scores[k]) for k in PAIR_KINDS) / len(PAIR_KINDS)
    if f1s["nli"] < f1s["rules"] + MIN_GAIN:
        # loading the model costs seconds per case; it must pay for them held-out
        print(f"The NLI variant does not beat the rules leave-one-author-out by {MIN_GAIN} "
              f"(mean pair F1 {f1s['nli']:.3f} against {f1s['rules']:.3f}): the engine will not "
              "load the model.")
        variants["nli"] = copy.deepcopy(variants["rules"])
    if not args.no_write:
        header = ("# The learned scorer, written by `python -m training.fit_scorer`: one logistic"
                  " model per finding\n# kind, fitted on every annotated case of the six authors;"
                  " `nli` reads the NLI model's\n# features, `rules` is used without a model."
                  " Features are standardised with `means`/`scales`;\n# `threshold` was chosen"
                  f" leave-one-author-out for precision >= {TARGET_PRECISION}.\n")
        SCORER.write_text(header + yaml.safe_dump({"variants": variants}, sort_keys=False,
                                                  allow_unicode=True), encoding="utf-8")
        print(f"wrote {SCORER.relative_to(SCORER.parents[3])}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
