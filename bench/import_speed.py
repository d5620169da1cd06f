"""Large imported evidence stays usable: a generated bank CSV and WhatsApp export (5,000
records together by default) read by `tipline.imports`, plus 30 statements, analysed by
`tipline.analysis.analyze`. Issue 16's target: ≤ 60 s on 2 cores.

    python bench/import_speed.py [--bank 2000] [--chat 3000] [--statements 30]
                                 [--service] [--profile profile.html]

Models are loaded on a small case first (as in bench/speed.py) and that time is reported
apart, so "analysis s" is the case itself. `--service` also runs the staff import's path on a
SQLite store: both files through `evidence_import.run_import` (validation against the whole
case, the rows stored, the audit entry), then the queued re-analysis by the job worker.
`--profile` writes pyinstrument's HTML report of the analysis (pip install pyinstrument).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

PEOPLE = [("P1", "Zhang Min", "reporter"), ("P2", "Li Wei", "subject"),
          ("P3", "Ho Chun", "witness"), ("P4", "Zhao Lei", "subject")]
PLACES = ["the Harbour Hotel", "the north depot", "the county office", "the river terminal"]
CHAT_LINES = [
    "Did you bring the files from {place}?", "Meet me at {place} at nine.",
    "I sent {amount} GBP to {name} this morning.", "Don't tell {name} about the money.",
    "The payment of {amount} GBP went through.", "ok", "Call me when you are out of the office.",
    "{name} was at {place} all evening.", "I never gave {name} anything.",
    "Delete these messages after reading.",
]
STATEMENTS = [
    "I never sent any money to {name}.", "I met {name} at {place} on {day} and paid {amount} GBP.",
    "I have not spoken to {name} since last year.", "I was at {place} all evening on {day}.",
    "{name} asked me to move the files out of {place} in {month}.",
    "I don't really remember how much it was. Maybe {amount} GBP, I'd have to check.",
    "Is someone already looking into me? I want to know if my name is in your files.",
    "I refused outright and never gave {name} anything.",
]


def bank_csv(rows: int, rng: random.Random, start: datetime) -> str:
    """A UK-layout statement: account details above the header, paid out / paid in columns."""
    lines = ["Account Name:,MR ZHANG MIN", "Account Number:,20-00-00 12345678", "",
             "Date,Type,Description,Paid out,Paid in,Balance"]
    balance = 50_000.0
    for i in range(rows):
        day = start + timedelta(hours=6 * i)
        name = rng.choice(PEOPLE[1:])[1].upper()
        amount = rng.randint(5, 20_000) + rng.randint(0, 99) / 100
        if rng.random() < 0.6:
            balance -= amount
            lines.append(f'{day:%d/%m/%Y},FPO,TRANSFER TO {name},"{amount:,.2f}",,'
                         f'"{balance:,.2f}"')
        else:
            balance += amount
            lines.append(f'{day:%d/%m/%Y},BGC,PAYMENT FROM {name},,"{amount:,.2f}",'
                         f'"{balance:,.2f}"')
    return "\n".join(lines) + "\n"


def whatsapp_txt(messages: int, rng: random.Random, start: datetime) -> str:
    """An Android export (d/m/y, 24-hour), with the encryption notice and multi-line messages."""
    lines = [f"{start:%d/%m/%Y}, 07:59 - Messages and calls are end-to-end encrypted."]
    at = start
    for i in range(messages):
        at += timedelta(minutes=rng.randint(1, 60))
        sender = rng.choice(PEOPLE)[1]
        text = rng.choice(CHAT_LINES).format(place=rng.choice(PLACES),
                                             amount=f"{rng.randint(1, 90) * 1000:,}",
                                             name=rng.choice(PEOPLE)[1])
        if i % 17 == 0:
            text += "\nsee you there"
        lines.append(f"{at:%d/%m/%Y}, {at:%H:%M} - {sender}: {text}")
    return "\n".join(lines) + "\n"


def statements(n: int, rng: random.Random, start: datetime) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        day = start + timedelta(days=rng.randint(0, 90))
        text = rng.choice(STATEMENTS).format(
            name=rng.choice(PEOPLE[1:])[1], place=rng.choice(PLACES),
            day=f"{day.day} {day:%B %Y}", month=f"{day:%B %Y}",
            amount=f"{rng.randint(1, 90) * 1000:,}")
        item: dict[str, Any] = {"id": f"S{i + 1}", "by": rng.choice(PEOPLE)[0],
                                "at": "2025-06-10T09:00:00+01:00", "text": text}
        if i % 2:
            item["question"] = "What happened between you and the others?"
        out.append(item)
    return out


def build(args: argparse.Namespace, folder: Path
          ) -> tuple[dict[str, Any], dict[str, float], dict[str, Path]]:
    """The case mapping with its imported evidence, how long each import took, the files."""
    from tipline.imports import ImportOptions, import_file

    rng = random.Random(args.seed)
    start = datetime(2025, 1, 6, 8, 0)
    files = {"bank-csv": (folder / "statement.csv", bank_csv(args.bank, rng, start), "bank-"),
             "whatsapp": (folder / "chat.txt", whatsapp_txt(args.chat, rng, start), "wa-")}
    evidence: list[dict[str, Any]] = []
    times = {}
    for fmt, (path, text, prefix) in files.items():
        path.write_text(text, encoding="utf-8")
        t0 = time.perf_counter()
        evidence += import_file(fmt, path, ImportOptions(id_prefix=prefix, currency="GBP"))
        times[fmt] = time.perf_counter() - t0
    case = {"id": "import-bench", "language": "en", "received_at": "2025-06-10T09:00:00+01:00",
            "channel": "hotline", "reporter": "P1",
            "people": [{"id": i, "name": n, "role": r} for i, n, r in PEOPLE],
            "statements": statements(args.statements, rng, start), "evidence": evidence}
    return case, times, {fmt: path for fmt, (path, _, _) in files.items()}


def through_service(mapping: dict[str, Any], files: dict[str, Path], folder: Path
                    ) -> dict[str, float]:
    """The staff import's path on a SQLite store: seconds to import and store both files, and
    for the job worker's re-analysis of the case as stored."""
    from tipline.case import case_from_mapping
    from tipline.service import jobs
    from tipline.service.accounts import auth
    from tipline.service.casefiles import cases, evidence_import
    from tipline.service.config import Settings
    from tipline.service.runtime import open_service

    service = open_service(Settings(db_url=f"sqlite:///{folder / 'bench.sqlite3'}",
                                    data_dir=folder, argon2_time_cost=1, argon2_memory_kib=1024,
                                    run_worker=False))
    with service.database.session() as db:
        user = auth.create_user(db, service.hasher, "sue", "supervisor", "bench password",
                                vault=None)
        cases.store_case(db, case_from_mapping(mapping | {"evidence": []}))
    jobs.run_one(service.database, service.analyzer)  # the empty case's first analysis
    t0 = time.perf_counter()
    for fmt, path in files.items():
        with service.database.session() as db, path.open("rb") as upload:
            rec = cases.find(db, mapping["id"])
            assert rec is not None
            db.add(user)
            evidence_import.run_import(db, user, rec, evidence_import.ImportRequest(
                fmt, currency="GBP"), upload, path.name, 100 * 2**20)
    stored = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert jobs.run_one(service.database, service.analyzer)
    analysed = time.perf_counter() - t0
    service.database.dispose()
    return {"service_import_s": round(stored, 2), "service_analysis_s": round(analysed, 2)}


def page_entries(findings: list[dict[str, Any]], mapping: dict[str, Any]) -> int:
    """How many entries the staff findings page shows once a statement's conflicts with many
    rows of one file are folded."""
    from tipline.service.findings.findings_view import entries

    items = {e["id"]: e for e in mapping["evidence"]}
    return len(entries(findings, items, lambda f, ref: {"ref": ref}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bank", type=int, default=2000, help="bank statement rows")
    parser.add_argument("--chat", type=int, default=3000, help="WhatsApp messages")
    parser.add_argument("--statements", type=int, default=30)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--service", action="store_true",
                        help="also import and re-analyse through the service on SQLite")
    parser.add_argument("--profile", type=Path, help="write pyinstrument's HTML report here")
    args = parser.parse_args()

    from tipline.analysis import analyze
    from tipline.analysis.conflicts import ConflictRun
    from tipline.case import case_from_mapping

    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import synthetic_case

    t0 = time.perf_counter()
    analyze(case_from_mapping(synthetic_case(20, seed=1)))  # load the models
    warm = time.perf_counter() - t0
    tmp = tempfile.TemporaryDirectory()
    folder = Path(tmp.name)
    mapping, import_times, files = build(args, folder)
    t0 = time.perf_counter()
    case = case_from_mapping(mapping, source="import-bench")
    validate = time.perf_counter() - t0
    run = ConflictRun()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.005)
        profiler.start()
    t0 = time.perf_counter()
    result = analyze(case, run=run)
    seconds = time.perf_counter() - t0
    if profiler is not None:
        profiler.stop()
        args.profile.write_text(profiler.output_html(), encoding="utf-8")
        print(profiler.output_text(unicode=True, color=False, show_all=False),
              file=sys.stderr)
    row = {"records": len(case.evidence), "statements": len(case.statements),
           "import_s": round(sum(import_times.values()), 2),
           "validate_s": round(validate, 2), "analysis_s": round(seconds, 2),
           "models_s": round(warm, 2), "pairs_scored": run.pairs_scored,
           "pairs_possible": run.pairs_possible, "findings": len(result.findings),
           "page_entries": page_entries(result.to_dict()["findings"], mapping),
           "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if args.service:
        row |= through_service(mapping, files, folder)
    tmp.cleanup()
    print(json.dumps(row), file=sys.stderr)
    print("| records | statements | import s | analysis s | models s | pairs scored | "
          "findings | findings page entries | peak MB |\n"
          "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {row['records']:,} | {row['statements']} | {row['import_s']} | "
          f"{row['analysis_s']} | {row['models_s']} | {row['pairs_scored']:,} | "
          f"{row['findings']} | {row['page_entries']} | {row['peak_mb']} |")
    target = "met" if seconds + row["import_s"] <= 60 else "MISSED"
    print(f"\nimport + analysis = {seconds + row['import_s']:.1f} s; target ≤ 60 s: {target}")
    if args.service:
        print(f"through the service (SQLite): import and store {row['service_import_s']} s, "
              f"re-analysis by the worker {row['service_analysis_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
