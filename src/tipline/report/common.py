"""What both reports share: turning a text plus spans into trimmed, marked pieces, and labels.

Both the terminal and the HTML report show a quote with the analyzer's spans marked; doing
the cutting here once keeps the two in agreement and keeps the escaping question simple:
a quote is a list of plain-text pieces, each marked or not, and each renderer escapes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tipline.analysis.findings import Amount, Analysis, Finding, Span
from tipline.case.model import Case, Evidence, Statement

KIND_TITLES = {
    "contradiction": "Contradictions",
    "evidence_conflict": "Statements the records contradict",
    "evasion": "Evasive answers",
    "probing": "Probing for what investigators know",
    "reporter_implicated": "Reporter implicated",
}
KIND_SHORT = {
    "contradiction": "contradiction",
    "evidence_conflict": "evidence conflict",
    "evasion": "evasion",
    "probing": "probing",
    "reporter_implicated": "reporter implicated",
}
PAIR_KINDS = ("contradiction", "evidence_conflict")
NO_FINDINGS = "No findings: nothing in this case contradicts itself or the records."

# Control characters could move the cursor or rewrite a terminal; bidi overrides can make
# a quote read differently from what it says. Each is replaced by one visible character so
# that span offsets into the original text stay valid.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Piece:
    """A run of quote text; `marked` when an analyzer span covers it."""

    text: str
    marked: bool = False


def clean(text: str) -> str:
    """Neutralise control and bidi-override characters; whitespace runs become one space."""
    return _SPACE.sub(" ", _UNSAFE.sub("\ufffd", text))


def merged_spans(text: str, spans: list[Span] | tuple[Span, ...]) -> list[tuple[int, int]]:
    """Spans clamped to the text, empty ones dropped, overlaps merged: analyzer offsets may
    be off by a little, and a report must never crash on them."""
    size = len(text)
    ranges = sorted(
        (max(0, s.start), min(size, s.end)) for s in spans if min(size, s.end) > max(0, s.start)
    )
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def split_marked(text: str, spans: list[Span] | tuple[Span, ...]) -> list[Piece]:
    """The whole text cut into pieces, the spans marked (untrimmed, uncleaned)."""
    pieces: list[Piece] = []
    pos = 0
    for start, end in merged_spans(text, spans):
        if start > pos:
            pieces.append(Piece(text[pos:start]))
        pieces.append(Piece(text[start:end], marked=True))
        pos = end
    if pos < len(text):
        pieces.append(Piece(text[pos:]))
    return pieces


def _head(text: str, limit: int) -> str:
    """The first ~limit characters, cut at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def _tail(text: str, limit: int) -> str:
    """The last ~limit characters, cut at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    start = len(text) - limit
    cut = text.find(" ", start)
    return text[cut + 1 if 0 <= cut < start + limit // 2 else start:]


def trim_pieces(pieces: list[Piece], context: int) -> list[Piece]:
    """Keep the marked pieces whole and about `context` characters of plain text around
    each; longer plain stretches are elided with '…' so the marks stay in view."""
    if not any(p.marked for p in pieces):
        return pieces
    out: list[Piece] = []
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        text = piece.text
        if piece.marked:
            out.append(piece)
        elif i == 0 and len(text) > context:
            out.append(Piece("…" + _tail(text, context).lstrip()))
        elif i == last and len(text) > context:
            out.append(Piece(_head(text, context).rstrip() + "…"))
        elif 0 < i < last and len(text) > 2 * context + 5:
            head, tail = _head(text, context).rstrip(), _tail(text, context).lstrip()
            out.append(Piece(f"{head} … {tail}"))
        else:
            out.append(piece)
    return out


def trim_end(text: str, limit: int) -> str:
    """A reason or label keeps its start: that is where its point is."""
    return text if len(text) <= limit else _head(text, limit - 1).rstrip() + "…"


def trim_middle(text: str, limit: int) -> str:
    """A long unmarked text keeps its start and its end: the middle gives way first."""
    if len(text) <= limit:
        return text
    half = max(1, (limit - 3) // 2)
    return f"{_head(text, half).rstrip()} … {_tail(text, half).lstrip()}"


def quote_pieces(text: str, spans: list[Span] | tuple[Span, ...], limit: int) -> list[Piece]:
    """The quote as a reader should see it: cleaned, marked, and trimmed to about `limit`."""
    pieces = split_marked(text, spans)
    marks = [p for p in pieces if p.marked]
    if marks:
        if len(text) > limit:
            spare = limit - sum(len(p.text) for p in marks)
            pieces = trim_pieces(pieces, context=max(40, spare // (2 * len(marks))))
    else:
        pieces = [Piece(trim_middle(clean(text).strip(), limit))]
    cleaned = [Piece(clean(p.text), p.marked) for p in pieces]
    return strip_ends(cleaned)


def strip_ends(pieces: list[Piece]) -> list[Piece]:
    """Drop the folded-YAML newline and leading blanks without touching marked text."""
    if pieces and not pieces[0].marked:
        pieces[0] = Piece(pieces[0].text.lstrip())
    if pieces and not pieces[-1].marked:
        pieces[-1] = Piece(pieces[-1].text.rstrip())
    return [p for p in pieces if p.text]


def spans_for(finding: Finding, ref: str) -> list[Span]:
    return [s for s in finding.spans if s.ref == ref]


def all_items(case: Case) -> list[Statement | Evidence]:
    """Statements then evidence records, the order the case file lists them."""
    return [*case.statements, *case.evidence]


def item_of(case: Case, ref: str) -> Statement | Evidence | None:
    """The statement or evidence record a finding points at (None if the id is unknown)."""
    for item in all_items(case):
        if item.id == ref:
            return item
    return None


def speaker(case: Case, statement: Statement) -> str:
    """'Name (role)' for whoever made the statement; the id when the name is unknown."""
    person = case.person(statement.by)
    if person is None:
        return statement.by
    return f"{person.name or person.id} ({person.role})"


def when(case: Case, item: Statement | Evidence) -> str:
    """The item's date as the case file gives it, in the case's own time zone."""
    if item.at is None:
        return ""
    if isinstance(item, Evidence) and item.at_is_date:
        return item.at.date().isoformat()
    local = case.local(item.at)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def ref_label(case: Case, ref: str) -> str:
    """One line naming a ref: 'S3 · Name (role) · setting' or 'E2 · bank_transfer · date'."""
    item = item_of(case, ref)
    if item is None:
        return f"{ref} · (not in this case)"
    if isinstance(item, Statement):
        parts = [ref, speaker(case, item), item.setting or "", when(case, item)]
    else:
        parts = [ref, item.kind.replace("_", " "), when(case, item)]
    return clean(" · ".join(p for p in parts if p))


def kind_counts(analysis: Analysis) -> dict[str, int]:
    """Findings per kind, contract kinds first, any unknown kind after them."""
    counts = {kind: 0 for kind in KIND_TITLES}
    for finding in analysis.findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    return counts


def kinds_present(analysis: Analysis) -> list[str]:
    return [kind for kind, n in kind_counts(analysis).items() if n]


def date_label(at: str) -> str:
    """A timeline date for people: 'a – b' for an ISO interval, one day when a equals b."""
    start, sep, end = clean(at).strip().partition("/")
    if not sep or start == end:
        return start
    return f"{start} – {end}"


def amount_text(amount: Amount | None) -> str:
    """'3,000–9,999 EUR' for an amount range; '' when there is none."""
    if amount is None:
        return ""
    low, high = _fmt_num(amount.min), _fmt_num(amount.max)
    value = low if low == high else f"{low}–{high}"
    return clean(f"{value} {amount.currency or ''}".strip())


def _fmt_num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"
