"""Server-side SVG pictures: the timeline and the people/records graph. Every label is escaped.

No JavaScript and no layout engine: a time axis scaled to the dated entries, and a circular
layout that stays readable for the few dozen nodes a case has.
"""

from __future__ import annotations

import math
import re
from datetime import date
from html import escape
from typing import Any

from markupsafe import Markup

W = 960


def _short(text: str, n: int = 42) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _start(at: str) -> date | None:
    """'2024-11-03', '2024-06' or '2024' (anything after the date is ignored) -> a day."""
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", at or "")
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def timeline_svg(analysis: dict[str, Any]) -> Markup:
    """Dated entries on one axis, labels alternating above and below to avoid overlap."""
    entries = [(d, t) for t in analysis.get("timeline", []) if (d := _start(t.get("at", "")))]
    if not entries:
        return Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="40" role="img" '
                      'aria-label="timeline"><text x="10" y="25" fill="#5d6778">No dated events '
                      'yet.</text></svg>').format(W)
    entries.sort(key=lambda e: e[0])
    lo, hi = entries[0][0].toordinal(), entries[-1][0].toordinal()
    span = max(hi - lo, 1)
    rows = min(4, (len(entries) + 1) // 2)
    height = 40 + rows * 34 * 2
    axis = height // 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
             f'viewBox="0 0 {W} {height}" role="img" aria-label="timeline" '
             'font-family="sans-serif" font-size="11">',
             f'<line x1="40" y1="{axis}" x2="{W - 40}" y2="{axis}" stroke="#1d2430"/>']
    for i, (day, t) in enumerate(entries):
        x = 40 + (W - 80) * (day.toordinal() - lo) / span if hi > lo else W / 2
        up = i % 2 == 0
        level = (i // 2) % rows + 1
        y = axis - level * 34 if up else axis + level * 34
        colour = "#b3261e" if t.get("amount") else "#1f5fbf"
        label = f"{t.get('at', '')} {', '.join(t.get('refs', []))}: {_short(t.get('text', ''))}"
        anchor = "start" if x < W * 0.6 else "end"
        parts += [
            f'<line x1="{x:.1f}" y1="{axis}" x2="{x:.1f}" y2="{y}" stroke="#a0a8b5"/>',
            f'<circle cx="{x:.1f}" cy="{axis}" r="5" fill="{colour}"/>',
            f'<text x="{x:.1f}" y="{y - 3 if up else y + 11}" text-anchor="{anchor}">'
            f'{escape(label)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _mentions(text: str, names: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(n and len(n) >= 2 and n.lower() in low for n in names)


def graph_edges(case: dict[str, Any], analysis: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(from, to, kind): who mentions whom, which records concern whom, what conflicts."""
    people = {p["id"]: (p.get("name", ""), *p.get("aliases", []), p["id"])
              for p in case.get("people", [])}
    speaker = {s["id"]: s["by"] for s in case.get("statements", [])}
    edges: set[tuple[str, str, str]] = set()
    for s in case.get("statements", []):
        for pid, names in people.items():
            if pid != s["by"] and _mentions(s["text"], names[:-1]):
                edges.add((s["by"], pid, "mentions"))
    for e in case.get("evidence", []):
        blob = e.get("text", "") + " " + " ".join(str(v) for v in e.get("fields", {}).values())
        for pid, names in people.items():
            if _mentions(blob, names) or pid in str(e.get("fields", {}).values()):
                edges.add((e["id"], pid, "concerns"))
    for f in analysis.get("findings", []):
        refs = f.get("refs", [])
        if f.get("kind") == "evidence_conflict" and len(refs) == 2 and refs[0] in speaker:
            edges.add((refs[1], speaker[refs[0]], "conflicts"))
        if f.get("kind") == "contradiction" and len(refs) == 2 and all(r in speaker for r in refs):
            a, b = speaker[refs[0]], speaker[refs[1]]
            if a != b:
                edges.add((a, b, "conflicts"))
    return sorted(edges)


def people_graph_svg(case: dict[str, Any], analysis: dict[str, Any]) -> Markup:
    """People as circles, evidence records as squares, on a circle; conflicts drawn red."""
    nodes = [(p["id"], p.get("name") or p["id"], "person", p.get("role", ""))
             for p in case.get("people", [])]
    nodes += [(e["id"], e.get("kind", ""), "record", "") for e in case.get("evidence", [])]
    if not nodes:
        return Markup("")
    size = 240 if len(nodes) <= 2 else 520
    cx = cy = size / 2
    radius = size / 2 - (50 if len(nodes) <= 2 else 90) if len(nodes) > 1 else 0
    pos = {n[0]: (cx + radius * math.cos(2 * math.pi * i / len(nodes) - math.pi / 2),
                  cy + radius * math.sin(2 * math.pi * i / len(nodes) - math.pi / 2))
           for i, n in enumerate(nodes)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
             f'viewBox="0 0 {size} {size}" role="img" aria-label="people and records" '
             'font-family="sans-serif" font-size="11">']
    colours = {"mentions": "#a0a8b5", "concerns": "#1f5fbf", "conflicts": "#b3261e"}
    for a, b, kind in graph_edges(case, analysis):
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            width = 2.5 if kind == "conflicts" else 1.2
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                         f'stroke="{colours[kind]}" stroke-width="{width}"><title>'
                         f'{escape(a)} {kind} {escape(b)}</title></line>')
    fills = {"reporter": "#f2b544", "subject": "#e06c5f", "witness": "#7fb77e"}
    for ref, label, kind, role in nodes:
        x, y = pos[ref]
        if kind == "person":
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="16" '
                         f'fill="{fills.get(role, "#b9c3d3")}" stroke="#1d2430"/>')
        else:
            parts.append(f'<rect x="{x - 13:.1f}" y="{y - 13:.1f}" width="26" height="26" '
                         'fill="#dfe7f5" stroke="#1f5fbf"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
                     f'font-weight="700">{escape(ref)}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y + 30:.1f}" text-anchor="middle">'
                     f'{escape(_short(label, 24))}{" · " + escape(role) if role else ""}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def highlighted(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Split `text` into (segment, is_highlighted) pieces; the template escapes each one."""
    marks = sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s)
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in marks:
        start = max(start, pos)
        if start >= end:
            continue
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out
