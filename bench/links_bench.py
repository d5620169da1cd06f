"""Linking on the synthetic archive: pairwise precision/recall, time, peak memory per size.

    nice -n 10 python bench/links_bench.py --sizes 10000 100000

Each size runs in its own process so peak memory is that size's alone. `link s` is the
time to clean every identifier and match; `peak MiB` the process's peak resident memory.
Precision/recall are over record pairs: `links` counts the matched pairs themselves,
`clusters` the pairs within the connected components they form.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _pairs(sizes: Counter[object]) -> int:
    return sum(c * (c - 1) // 2 for c in sizes.values())


def run_one(size: int, seed: int) -> dict[str, float]:
    from links_synthetic import generate
    from tipline.links.extract import PersonRecord
    from tipline.links.identifiers import clean
    from tipline.links.link import match_people

    raw, truth = generate(size, seed)
    start = time.perf_counter()
    records = []
    for item in raw:
        ids = [found for kind, value in (("phone", item.phone), ("email", item.email),
                                         ("account", item.account))
               if value and (found := clean(kind, value, "CN")) is not None]
        records.append(PersonRecord(item.case, item.person, "subject", (item.name,),
                                    tuple(ids)))
    cleaned = time.perf_counter()
    matches = match_people(records)
    done = time.perf_counter()

    index = {r.case: i for i, r in enumerate(records)}
    predicted = {(index[m.a.case], index[m.b.case]) for m in matches}
    predicted = {(min(a, b), max(a, b)) for a, b in predicted}
    correct = sum(truth[a] == truth[b] for a, b in predicted)
    true_pairs = _pairs(Counter(truth))

    parent = list(range(len(records)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in predicted:
        parent[find(a)] = find(b)
    roots = [find(i) for i in range(len(records))]
    cluster_pairs = _pairs(Counter(roots))
    cluster_correct = _pairs(Counter(zip(roots, truth, strict=True)))
    return {
        "records": size, "true_pairs": true_pairs, "matched_pairs": len(predicted),
        "precision": correct / max(len(predicted), 1), "recall": correct / max(true_pairs, 1),
        "cluster_precision": cluster_correct / max(cluster_pairs, 1),
        "cluster_recall": cluster_correct / max(true_pairs, 1),
        "clean_s": cleaned - start, "match_s": done - cleaned, "link_s": done - start,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.seed)))
        return 0
    rows = []
    for size in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size),
                               "--seed", str(args.seed)], capture_output=True, text=True,
                              check=True)
        rows.append(json.loads(done.stdout.splitlines()[-1]))
    print(f"command: python bench/links_bench.py --sizes {' '.join(map(str, args.sizes))}")
    print("| records | true pairs | precision | recall | cluster P | cluster R "
          "| clean s | match s | link s | peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['records']:,} | {r['true_pairs']:,} | {r['precision']:.3f} "
              f"| {r['recall']:.3f} | {r['cluster_precision']:.3f} | {r['cluster_recall']:.3f} "
              f"| {r['clean_s']:.1f} | {r['match_s']:.1f} | {r['link_s']:.1f} "
              f"| {r['peak_mib']:.0f} |")
    for small, large in zip(rows, rows[1:], strict=False):
        print(f"time({large['records']:,}) / time({small['records']:,}) = "
              f"{large['link_s'] / small['link_s']:.1f} "
              f"(size x{large['records'] / small['records']:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
