"""Where the pair findings go wrong on annotated cases: every missed gold pair and every false
alarm, with both texts, the score against the threshold and what the judges said.

    python bench/errors.py [CASES_DIR] [--case ID] [--kind contradiction] [--nli] [--width 160]

For reading, not scoring (bench/quality.py scores): it shows what a rule change has to fix.
A missed pair that was never a candidate is marked "not a candidate".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("contradiction", "evidence_conflict")


def _texts(case) -> dict[str, str]:  # noqa: ANN001 - tipline.case.Case
    out = {s.id: f"[{s.by}] " + (f"Q: {s.question} A: " if s.question else "") + s.text
           for s in case.statements}
    out.update({e.id: f"[{e.kind}] {e.text}" for e in case.evidence})
    return out


def report(case_path: Path, gold: dict, kinds: tuple[str, ...], use_nli: bool, width: int
           ) -> tuple[int, int, int]:
    """Print one case's misses and false alarms; return (hits, misses, false alarms)."""
    from tipline.analysis import analyze
    from tipline.analysis.conflicts import ConflictRun
    from tipline.analysis.scoring import load_weights
    from tipline.case import load_case

    case = load_case(case_path)
    run = ConflictRun()
    result = analyze(case, use_nli=use_nli, run=run)
    weights = load_weights()
    texts = _texts(case)
    scored = {frozenset((ps.a, ps.b)): ps for ps in run.scores}
    hits = misses = alarms = 0
    print(f"\n=== {case.id}")
    for kind in kinds:
        w = weights[kind]["nli" if use_nli and weights[kind]["nli"].uses_nli else "rules"]
        want = {frozenset(p) for p in gold.get(kind) or []}
        got = {frozenset(f.refs): f for f in result.findings if f.kind == kind}
        hits += len(want & got.keys())
        for pair, label in [(p, "MISS") for p in want - got.keys()] + [
                (p, "FALSE") for p in got.keys() - want]:
            ps = scored.get(pair)
            a, b = sorted(pair)
            if ps is None:
                why = "not a candidate"
            else:
                judges = ", ".join(f"{v.judge} {v.score:.2f}" for v in ps.verdicts) or "no judge"
                why = f"score {w.score(ps.features):.2f} / {w.threshold:.2f}; {judges}"
            print(f"  {label} {kind} {a}~{b}: {why}")
            for ref in (a, b):
                print(f"      {ref}: {texts[ref][:width]}")
            misses += label == "MISS"
            alarms += label == "FALSE"
    return hits, misses, alarms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="?", type=Path, default=ROOT.parent / "shared" / "cases" / "dev")
    ap.add_argument("--case", help="only this case id")
    ap.add_argument("--kind", choices=KINDS)
    ap.add_argument("--nli", action="store_true", help="let the model read pairs (slower)")
    ap.add_argument("--width", type=int, default=160)
    args = ap.parse_args()
    if not args.cases.is_dir():
        print(f"no cases at {args.cases}", file=sys.stderr)
        return 0
    totals = [0, 0, 0]
    for gold_path in sorted(args.cases.glob("*.gold.yaml")):
        case_path = gold_path.with_name(gold_path.name.replace(".gold.yaml", ".yaml"))
        if args.case and case_path.stem != args.case:
            continue
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8")) or {}
        kinds = (args.kind,) if args.kind else KINDS
        for i, n in enumerate(report(case_path, gold, kinds, args.nli, args.width)):
            totals[i] += n
    print(f"\nhits {totals[0]}, misses {totals[1]}, false alarms {totals[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
