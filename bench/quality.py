"""Quality on annotated cases, scored by the shared scorer (shared/tools/score_cases.py).

    python bench/quality.py [CASES_DIR] [--no-nli] [--all-pairs]

Analyses every case in-process, writes the analyses to a temporary folder, and runs the
scorer over that folder, so the numbers are exactly the scorer's. Then it measures what the
candidate selection costs: recall of contradiction + evidence_conflict with the default
candidates against scoring all pairs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _nli_use(use_nli: bool) -> str:
    """Which finding kinds the fitted weights let the NLI model speak for."""
    from tipline.analysis.scoring import load_weights

    kinds = [k for k, w in load_weights().items() if w["nli"].uses_nli]
    if not use_nli:
        return "NLI judge off"
    return f"NLI judge read for: {', '.join(kinds)}" if kinds else "NLI judge unused by the weights"


def analyse_all(cases: list[Path], out: Path, *, use_nli: bool, all_pairs: bool) -> None:
    from tipline.analysis import analyze
    from tipline.case import load_case

    for path in cases:
        case = load_case(path)
        result = analyze(case, use_nli=use_nli, all_pairs=all_pairs)
        (out / f"{case.id}.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False),
                                             encoding="utf-8")


def conflict_recall(cases_dir: Path, out: Path) -> tuple[int, int]:
    """(found, gold) over the pair kinds, from the analyses in `out`."""
    found = total = 0
    for gold_path in sorted(cases_dir.glob("*.gold.yaml")):
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8")) or {}
        case_id = yaml.safe_load(
            gold_path.with_name(gold_path.name.replace(".gold", "")).read_text("utf-8"))["id"]
        analysis = json.loads((out / f"{case_id}.json").read_text(encoding="utf-8"))
        for kind in ("contradiction", "evidence_conflict"):
            want = {frozenset(p) for p in gold.get(kind) or []}
            got = {frozenset(f["refs"]) for f in analysis["findings"] if f["kind"] == kind}
            found += len(want & got)
            total += len(want)
    return found, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cases", nargs="?", type=Path, default=SHARED / "cases" / "dev")
    parser.add_argument("--no-nli", action="store_true")
    args = parser.parse_args()
    if not args.cases.is_dir():
        print(f"no cases at {args.cases}; skipping", file=sys.stderr)
        return 0
    cases = [p.with_name(p.name.replace(".gold.yaml", ".yaml"))
             for p in sorted(args.cases.glob("*.gold.yaml"))]
    scorer = SHARED / "tools" / "score_cases.py"
    use_nli = not args.no_nli
    recalls: dict[str, tuple[int, int]] = {}
    for label, all_pairs in (("candidates", False), ("all pairs", True)):
        with tempfile.TemporaryDirectory() as tmp:
            analyse_all(cases, Path(tmp), use_nli=use_nli, all_pairs=all_pairs)
            recalls[label] = conflict_recall(args.cases, Path(tmp))
            if not all_pairs:
                print(f"`python bench/quality.py{' --no-nli' if args.no_nli else ''}` "
                      f"— {args.cases.name} cases, {_nli_use(use_nli)}\n")
                print("```")
                done = subprocess.run([sys.executable, str(scorer), str(args.cases),
                                       "--outputs", tmp], capture_output=True, text=True)
                print(done.stdout.strip())
                print("```")
    from tipline.analysis import candidates

    for k_lex, k_emb in ((2, 1), (4, 2)):  # a dev case is small: tight k mimics a big case
        candidates.K_LEXICAL, candidates.K_EMBEDDING = k_lex, k_emb
        with tempfile.TemporaryDirectory() as tmp:
            analyse_all(cases, Path(tmp), use_nli=use_nli, all_pairs=False)
            recalls[f"k={k_lex}+{k_emb}"] = conflict_recall(args.cases, Path(tmp))
    f_a, t_a = recalls["all pairs"]
    print("\n| candidate selection | gold conflicts found | recall lost vs all pairs |")
    print("|---|---:|---:|")
    for label, (found, total) in recalls.items():
        print(f"| {label} | {found}/{total} | {(f_a - found) / max(1, total):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
