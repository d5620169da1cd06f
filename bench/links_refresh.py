"""What re-linking one changed case costs as the archive grows (the worker's caselinks.refresh
without the database): parse every case's kept records (JSON) and match one case against them.

    python bench/links_refresh.py --sizes 1000 5000 10000
"""

from __future__ import annotations

import argparse
import json
import time

from batch_archive import reports
from tipline.case import case_from_mapping
from tipline.links import extract, link_cases, records_from_json, records_to_json


def run(size: int, focus_cases: int = 5) -> tuple[float, float]:
    """(seconds to parse the kept records, mean seconds of one focused matching)."""
    made = reports(size)
    kept = [json.dumps(records_to_json(extract(case_from_mapping(m, source=m["id"]))))
            for m in made]
    start = time.perf_counter()
    archive = [records_from_json(json.loads(text)) for text in kept]
    parse_s = time.perf_counter() - start
    start = time.perf_counter()
    for records in archive[:focus_cases]:
        link_cases(archive, focus=records.case)
    return parse_s, (time.perf_counter() - start) / focus_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args()
    print("| stored cases | parse kept records s | match one case s |\n|---:|---:|---:|")
    for size in args.sizes:
        parse_s, match_s = run(size)
        print(f"| {size:,} | {parse_s:.2f} | {match_s:.2f} |", flush=True)


if __name__ == "__main__":
    main()
