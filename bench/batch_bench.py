"""Throughput of `tipline batch analyze` (and `batch link`) on a synthetic stored archive.

    nice -n 10 python bench/batch_bench.py --reports 1000 [--workers 2] [--db URL] [--link-only]

Builds N stored reports (bench/batch_archive.py) in a fresh SQLite file (or the empty
database at --db), then runs the batch's own code on a local Dask cluster: the re-analysis
of every case (the real analyzer, NLI model included), timed from the first case sent to the
last result stored, and the re-linking. Prints one table row per worker count. `cluster s` is
the LocalCluster's start; the analyzer's models load inside the first analyses, so they count.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def run(db_url: str, workers: int, analyse: bool = True) -> dict[str, float]:
    from tipline.batch.analyze import analyze_archive
    from tipline.batch.cluster import dask_client
    from tipline.batch.link import link_archive
    from tipline.service.db import Database
    from tipline.service.engine_version import engine_version

    database = Database(db_url)
    try:
        start = time.perf_counter()
        with dask_client(None, workers) as client:
            cluster_s = time.perf_counter() - start
            report = analyze_archive(database, client, engine_version()) if analyse else None
            links = link_archive(database, client)
    finally:
        database.dispose()
    linked = {"links": len(links.links), "extract_s": links.extract_s,
              "match_s": links.match_s, "cluster_s": cluster_s}
    if report is None:
        return linked
    if report.failed:
        raise SystemExit(f"{len(report.failed)} case(s) failed: {report.failed[:3]}")
    rate = report.analysed / report.seconds
    return {**linked, "workers": workers, "analysed": report.analysed,
            "seconds": report.seconds, "rate": rate, "per_core": rate / workers}


def main(argv: list[str] | None = None) -> int:
    from batch_archive import store_reports

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[os.cpu_count() or 1])
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--link-only", action="store_true", help="time `batch link` alone")
    args = parser.parse_args(argv)
    print("| reports | workers | cluster s | analysis s | cases/s | cases/s per core | links "
          "| extract s | match s |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n, workers in enumerate(args.workers):
            url = args.db or f"sqlite:///{Path(tmp) / f'archive-{n}.sqlite3'}"
            if args.db and n:
                raise SystemExit("--db takes one worker count: the archive is analysed once")
            store_reports(url, args.reports)
            load = os.getloadavg()[0]
            r = run(url, workers, analyse=not args.link_only)
            analysis = "- | - | -" if args.link_only else \
                f"{r['seconds']:.1f} | {r['rate']:.2f} | {r['per_core']:.2f}"
            print(f"| {args.reports:,} | {workers} | {r['cluster_s']:.1f} | {analysis} "
                  f"| {r['links']:,} | {r['extract_s']:.1f} | {r['match_s']:.1f} |", flush=True)
            print(f"load average before the run: {load:.2f} on {os.cpu_count()} cores",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
