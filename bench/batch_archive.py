"""A synthetic archive of stored reports for `tipline batch`: N cases in a service database.

Each report is a small hotline case (1-6 statements and a record or two, from synthetic.py)
whose subject is one appearance of a person from links_synthetic.py (names written in
several scripts and spellings, phones in several formats, shared accounts), so the same
archive serves the re-analysis and the re-linking. Deterministic per seed.

    python bench/batch_archive.py --reports 1000 --db sqlite:////tmp/archive.sqlite3
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

STATEMENTS = (1, 2, 3, 4, 6)


def reports(count: int, seed: int = 15) -> list[dict[str, Any]]:
    """`count` case-file mappings, ids batch-00000 on."""
    from links_synthetic import generate
    from synthetic import synthetic_case

    people, _ = generate(count, seed)
    rng = random.Random(seed)
    out = []
    for i, person in enumerate(people):
        case = synthetic_case(rng.choice(STATEMENTS), seed=seed * 100_003 + i, n_evidence=1)
        case["id"] = f"batch-{i:05d}"
        subject: dict[str, Any] = {"id": "P2", "name": person.name, "role": "subject"}
        for key in ("phone", "email", "account"):
            if getattr(person, key):
                subject[key] = getattr(person, key)
        case["people"][1] = subject
        out.append(case)
    return out


def store_reports(db_url: str, count: int, seed: int = 15) -> int:
    """Store `count` reports in the database at `db_url` (migrated to head first), as the
    staff app's intake does (`cases.store_case`), 200 to a transaction."""
    from tipline.case import case_from_mapping
    from tipline.service import migrate
    from tipline.service.casefiles import cases
    from tipline.service.db import Database

    database = Database(db_url)
    try:
        migrate.upgrade(database.engine)
        made = reports(count, seed)
        for start in range(0, len(made), 200):
            with database.session() as db:
                for mapping in made[start:start + 200]:
                    cases.store_case(db, case_from_mapping(mapping, source=mapping["id"]))
    finally:
        database.dispose()
    return len(made)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--db", required=True, help="database URL (an empty one)")
    args = parser.parse_args(argv)
    print(f"stored {store_reports(args.db, args.reports, args.seed)} reports in {args.db}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
