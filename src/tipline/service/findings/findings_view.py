"""The findings page's entries: each finding with its quotes, and a statement's conflicts with
many rows of one imported file folded into one entry.

Why: 30 statements against a 5,000-row bank export can give hundreds of evidence conflicts,
most of them one statement ("I never received money from him") against row after row of the
same file. Listed one by one they bury everything else; folded, the page shows the statement
once, names the file and how many of its rows conflict, and keeps every row and reason one
click away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

FOLD_AT = 4  # rows of one file against one statement before they are folded into one entry

Quote = dict[str, Any]


def _source_file(item: dict[str, Any]) -> str | None:
    fields = item.get("fields") or {}
    name = fields.get("source_file") if isinstance(fields, dict) else None
    return str(name) if name else None


def entries(findings: Sequence[dict[str, Any]], items: dict[str, dict[str, Any]],
            quote: Callable[[dict[str, Any], str], Quote], fold_at: int = FOLD_AT
            ) -> list[dict[str, Any]]:
    """Page entries in the findings' order. A plain entry is `{"finding", "quotes"}`; a folded
    one is `{"group": {"statement", "file", "rows", "best"}, "quotes"}` where `rows` holds
    each folded finding with the quote of its record, and sits where its first finding was."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, f in enumerate(findings):
        refs = f.get("refs") or []
        if f.get("kind") != "evidence_conflict" or len(refs) != 2:
            continue
        statement, record = refs
        source = _source_file(items.get(record, {}))
        if source:
            groups[(statement, source)].append(k)
    folded = {k: key for key, ks in groups.items() if len(ks) >= fold_at for k in ks}
    out: list[dict[str, Any]] = []
    placed: set[tuple[str, str]] = set()
    for k, f in enumerate(findings):
        key = folded.get(k)
        if key is None:
            out.append({"finding": f, "quotes": [quote(f, ref) for ref in f.get("refs", [])]})
            continue
        if key in placed:
            continue
        placed.add(key)
        members = [findings[j] for j in groups[key]]
        statement, source = key
        rows = [{"finding": m, "quote": quote(m, m["refs"][1])} for m in members]
        out.append({"group": {"statement": statement, "file": source, "rows": rows,
                              "best": max(float(m.get("score", 0.0)) for m in members)},
                    "quotes": [quote(members[0], statement)]})
    return out
