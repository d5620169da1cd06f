"""Speed on synthetic cases: seconds, pairs scored against all possible pairs, peak memory.

    python bench/speed.py [--sizes 250 500 1000 2000 4000] [--nli]

Each size runs in a fresh process so that peak memory (max RSS) belongs to that size alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def one(size: int, use_nli: bool) -> dict[str, float]:
    from synthetic import synthetic_case
    from tipline.analysis import analyze
    from tipline.analysis.conflicts import ConflictRun
    from tipline.case import case_from_mapping

    case = case_from_mapping(synthetic_case(size))
    analyze(case_from_mapping(synthetic_case(20, seed=1)), use_nli=use_nli)  # warm models
    run = ConflictRun()
    start = time.perf_counter()
    result = analyze(case, use_nli=use_nli, run=run)
    seconds = time.perf_counter() - start
    n = len(case.statements)
    return {
        "statements": n, "evidence": len(case.evidence), "seconds": round(seconds, 2),
        "pairs_scored": run.pairs_scored, "pairs_possible": run.pairs_possible,
        "all_statement_pairs": n * (n - 1) // 2, "nli_pairs": run.nli_pairs,
        "findings": len(result.findings),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000, 2000, 4000])
    parser.add_argument("--nli", action="store_true", help="use the NLI judge")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.nli)))
        return 0
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(size)] + (["--nli"] if args.nli else [])
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  {size} statements: {rows[-1]['seconds']} s", file=sys.stderr)
    print(f"`python bench/speed.py --sizes {' '.join(map(str, args.sizes))}"
          f"{' --nli' if args.nli else ''}` (2 cores)\n")
    print("| statements | evidence | seconds | pairs scored | of all pairs | share | "
          "NLI pairs | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        share = r["pairs_scored"] / max(1, r["pairs_possible"])
        print(f"| {r['statements']} | {r['evidence']} | {r['seconds']} | {r['pairs_scored']:,} | "
              f"{r['pairs_possible']:,} | {share:.1%} | {r['nli_pairs']:,} | {r['peak_mb']} |")
    by_size = {r["statements"]: r["seconds"] for r in rows}
    if 2000 in by_size and 4000 in by_size:
        print(f"\ntime(4000) / time(2000) = {by_size[4000] / by_size[2000]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
