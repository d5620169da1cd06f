"""`tipline batch link`: re-link the whole archive with `tipline.links`.

The per-case part (reading identifiers and names out of each case: phone and IBAN parsing,
transliteration) runs on the Dask workers in chunks; the matching (`links.link_cases`, blocked,
near-linear) runs once in the driver over every case's records, so the links are exactly those
`tipline links` finds over the same cases — no pair is missed at a partition's edge. At the
default threshold the records and links are stored for the case pages (caselinks.store_archive),
as the worker stores them for one case at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from distributed import Client, as_completed

from tipline.batch.cluster import total_threads
from tipline.batch.stored import all_case_pks, read_cases
from tipline.batch.tasks import extract_stored
from tipline.links import CaseLink, CaseRecords, link_cases
from tipline.links.link import THRESHOLD
from tipline.service.casefiles.caselinks import store_archive
from tipline.service.db import Database

CHUNK = 100  # cases per task: enough work to outweigh a task's overhead


@dataclass
class LinkReport:
    cases: int = 0
    skipped: list[str] = field(default_factory=list)
    links: list[CaseLink] = field(default_factory=list)
    extract_s: float = 0.0
    match_s: float = 0.0


def link_archive(database: Database, client: Client, *, threshold: float = THRESHOLD,
                 chunk: int = CHUNK, on_due: Callable[[int], None] = lambda n: None,
                 on_done: Callable[[int], None] = lambda n: None) -> LinkReport:
    """Extract every stored case on the cluster, then link them all here. `on_due` hears the
    number of cases, `on_done` the size of each chunk extracted."""
    pks = all_case_pks(database)
    report = LinkReport(cases=len(pks))
    on_due(len(pks))
    chunks = read_cases(database, pks, chunk)
    running = as_completed()
    parts: dict[int, list[tuple[int, int, CaseRecords]]] = {}
    sent: dict[Hashable, tuple[int, int]] = {}  # task key: (chunk number, cases in it)

    def send_next() -> None:
        items = next(chunks, None)
        if items is not None:
            future = client.submit(extract_stored, items, pure=False)
            sent[future.key] = (len(sent), len(items))
            running.add(future)

    start = time.perf_counter()
    for _ in range(total_threads(client) * 2):
        send_next()
    for future in running:
        records, skipped = future.result()
        number, size = sent[future.key]
        parts[number] = records
        report.skipped.extend(skipped)
        on_done(size)
        future.release()
        send_next()
    report.extract_s = time.perf_counter() - start
    start = time.perf_counter()
    kept = [kept for i in sorted(parts) for kept in parts[i]]
    report.links = link_cases((records for *_, records in kept), threshold=threshold)
    report.match_s = time.perf_counter() - start
    if threshold == THRESHOLD:
        store_archive(database, kept, report.links)
    return report
