"""The same synthetic archive linked by Splink (DuckDB), to compare with tipline.links.

Splink is not a Tipline dependency, so this runs in two steps and two environments:

    python bench/links_splink.py prepare --records 10000 --out /tmp/splink.csv   # Tipline venv
    SPLINK_PY bench/links_splink.py run /tmp/splink.csv                         # a venv with splink

`prepare` writes each record with the same cleaning Tipline uses (compact name spelling in
Latin letters, E.164 phone, e-mail, account) and its truth; `run` trains Splink (u by
random sampling, m by EM on two blockings) and prints pairwise precision/recall and time.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path


def prepare(records: int, seed: int, out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from links_synthetic import generate
    from tipline.links.identifiers import clean
    from tipline.links.names import name_forms

    raw, truth = generate(records, seed)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unique_id", "truth", "name", "phone", "email", "account"])
        for i, (item, who) in enumerate(zip(raw, truth, strict=True)):
            forms = name_forms(item.name)
            # One canonical spelling per name: the smallest compact (order-free).
            name = min(forms.compacts) if forms else ""
            values = [(found.value if (found := clean(kind, value or "", "CN")) else None)
                      if value else None
                      for kind, value in (("phone", item.phone), ("email", item.email),
                                          ("account", item.account))]
            writer.writerow([i, who, name, *(v or "" for v in values)])


def run(path: Path, threshold: float) -> None:
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    start = time.perf_counter()
    con = duckdb.connect()
    table = con.sql(
        f"select unique_id, truth, nullif(name, '') as name, nullif(phone, '') as phone, "
        f"nullif(email, '') as email, nullif(account, '') as account "
        f"from read_csv('{path}', all_varchar=true)").to_arrow_table()
    db_api = DuckDBAPI(connection=con)
    frame = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.97, 0.92, 0.85]),
            cl.ExactMatch("phone"), cl.ExactMatch("email"), cl.ExactMatch("account"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("name"), block_on("phone"), block_on("email"), block_on("account"),
            block_on("substr(name, 1, 4)"),
        ],
    )
    linker = Linker(frame, settings, log_level=40)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    pairs = linker.inference.predict(threshold_match_probability=threshold).as_record_list()
    elapsed = time.perf_counter() - start
    truth = {row[0]: row[1] for row in con.sql(
        f"select unique_id, truth from read_csv('{path}', all_varchar=true)").fetchall()}
    correct = sum(truth[str(p["unique_id_l"])] == truth[str(p["unique_id_r"])] for p in pairs)
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(truth.values()).values())
    print(f"splink {len(truth):,} records: precision {correct / max(len(pairs), 1):.3f} "
          f"recall {correct / max(true_pairs, 1):.3f} time {elapsed:.1f} s "
          f"({len(pairs):,} pairs at p >= {threshold})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    one = sub.add_parser("prepare")
    one.add_argument("--records", type=int, default=10_000)
    one.add_argument("--seed", type=int, default=15)
    one.add_argument("--out", type=Path, required=True)
    two = sub.add_parser("run")
    two.add_argument("path", type=Path)
    two.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.step == "prepare":
        prepare(args.records, args.seed, args.out)
    else:
        run(args.path, args.threshold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
