"""Quality on the annotated cases of six authors, scored by the shared scorer.

    python bench/quality.py [--no-nli]

First the number that counts: leave-one-author-out (training/fit_scorer.py: for each author,
the scorer is fitted on the other five and scores the sixth). Then, beside it, the shipped
engine in-sample (fitted on all six, so it flatters), and what the candidate selection costs:
recall of contradiction + evidence_conflict with the default candidates against all pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the training package
from training.corpus import case_files, load_corpus  # noqa: E402
from training.fit_scorer import all_cases_dir, leave_one_author_out, report  # noqa: E402


def analyse_all(out: Path, *, use_nli: bool, all_pairs: bool) -> None:
    from tipline.analysis import analyze
    from tipline.case import load_case

    for cf in case_files():
        case = load_case(cf.path)
        result = analyze(case, use_nli=use_nli, all_pairs=all_pairs)
        (out / f"{case.id}.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False),
                                             encoding="utf-8")


def conflict_recall(out: Path) -> tuple[int, int]:
    """(found, gold) over the pair kinds, from the analyses in `out`."""
    from tipline.case import load_case

    found = total = 0
    for cf in case_files():
        analysis = json.loads((out / f"{load_case(cf.path).id}.json").read_text("utf-8"))
        for kind in ("contradiction", "evidence_conflict"):
            want = {frozenset(map(str, p)) for p in cf.gold.get(kind) or []}
            got = {frozenset(f["refs"]) for f in analysis["findings"] if f["kind"] == kind}
            found += len(want & got)
            total += len(want)
    return found, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-nli", action="store_true")
    args = parser.parse_args()
    if not case_files():
        print("no annotated cases found beside the project; skipping", file=sys.stderr)
        return 0
    use_nli = not args.no_nli
    text, _ = leave_one_author_out("nli" if use_nli else "rules")
    print(text)
    recalls: dict[str, tuple[int, int]] = {}
    for label, all_pairs in (("candidates", False), ("all pairs", True)):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out"
            out.mkdir()
            analyse_all(out, use_nli=use_nli, all_pairs=all_pairs)
            recalls[label] = conflict_recall(out)
            if not all_pairs:
                print("\nIn-sample, beside it: the shipped scorer (fitted on all six authors) "
                      f"analysing the same cases (`python bench/quality.py"
                      f"{' --no-nli' if args.no_nli else ''}`):\n")
                print(report(load_corpus(), out, all_cases_dir(Path(tmp)),
                             who="author (in-sample)"))
    f_a, t_a = recalls["all pairs"]
    print("\n| candidate selection | gold conflicts found | recall lost vs all pairs |")
    print("|---|---:|---:|")
    for label, (found, total) in recalls.items():
        print(f"| {label} | {found}/{total} | {(f_a - found) / max(1, total):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
