"""The HTML report: one standalone page for all analysed cases, readable offline.

All case text is untrusted. The page is built only by the Jinja2 template with autoescaping
on; this module hands it plain strings and numbers, never markup, and a quote reaches it as
a list of pieces so the template escapes each piece before wrapping a marked one in <mark>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import jinja2

from tipline import __version__
from tipline.analysis.findings import Analysis, Finding
from tipline.case.model import Case, Evidence, Statement
from tipline.report.common import (
    KIND_SHORT,
    KIND_TITLES,
    NO_FINDINGS,
    PAIR_KINDS,
    Piece,
    all_items,
    amount_text,
    clean,
    date_label,
    item_of,
    kind_counts,
    quote_pieces,
    spans_for,
    speaker,
    split_marked,
    strip_ends,
    when,
)
from tipline.report.timeline_svg import Picture, layout

QUOTE_LIMIT = 420
SHOWN_IN_FULL = 6


@dataclass(frozen=True)
class QuoteView:
    """One statement or record as a card: who or what, then the (trimmed) marked text."""

    ref: str
    anchor: str
    evidence: bool
    who: str
    meta: str
    question: str
    pieces: list[Piece]
    full: list[Piece]
    trimmed: bool


@dataclass(frozen=True)
class FindingView:
    kind: str
    refs: str
    score: float
    level: str
    explanation: str
    judge: str
    quotes: list[QuoteView]
    pair: bool


@dataclass(frozen=True)
class GroupView:
    """A kind's findings, strongest first; past SHOWN_IN_FULL they fold away."""

    kind: str
    title: str
    findings: list[FindingView]

    @property
    def shown(self) -> list[FindingView]:
        return self.findings[:SHOWN_IN_FULL]

    @property
    def rest(self) -> list[FindingView]:
        return self.findings[SHOWN_IN_FULL:]


@dataclass
class CaseView:
    """Everything the template shows for one case, already reduced to plain strings."""

    index: int
    id: str
    language: str
    facts: list[str]
    sizes: list[str]
    counts: list[tuple[str, str, int]]
    implicated: bool
    groups: list[GroupView]
    picture: Picture
    timeline_rows: list[dict[str, str]]
    records: list[QuoteView] = field(default_factory=list)

    @property
    def lang(self) -> str:
        """The HTML lang for the case text, so browsers pick a fitting CJK font."""
        return {"en": "en", "zh": "zh-Hans"}.get(self.language, "")

    @property
    def total(self) -> int:
        return sum(n for _, _, n in self.counts)


def render_html(cases_and_analyses: list[tuple[Case, Analysis]]) -> str:
    """The whole page for every (case, analysis) pair, in the order given."""
    views = [_case_view(i, case, analysis)
             for i, (case, analysis) in enumerate(cases_and_analyses, 1)]
    return _template().render(
        cases=views, kinds=list(KIND_TITLES), kind_short=KIND_SHORT,
        no_findings=NO_FINDINGS, version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tipline.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html")


def _case_view(index: int, case: Case, analysis: Analysis) -> CaseView:
    anchors = _anchors(index, case)
    reporter = case.person(case.reporter)
    return CaseView(
        index=index,
        id=clean(case.id),
        language=case.language,
        facts=[clean(f) for f in (case.category or "", case.channel or "",
                                  f"language {case.language}",
                                  f"received {case.received_at:%Y-%m-%d %H:%M}") if f],
        sizes=[f"{len(case.statements)} statements", f"{len(case.evidence)} records",
               f"{len(case.people)} people",
               clean(f"reporter: {reporter.name or reporter.id}") if reporter
               else "anonymous reporter"],
        counts=[(k, KIND_SHORT.get(k, clean(k)), n) for k, n in kind_counts(analysis).items()],
        implicated=bool(analysis.of_kind("reporter_implicated")),
        groups=_groups(case, analysis, anchors),
        picture=layout(analysis.timeline, {e.id for e in case.evidence}),
        timeline_rows=[
            {"at": date_label(t.at), "precision": clean(t.precision),
             "refs": clean(", ".join(t.refs)), "text": clean(t.text).strip(),
             "amount": amount_text(t.amount)}
            for t in analysis.timeline
        ],
        records=[_quote(case, None, item.id, anchors) for item in all_items(case)],
    )


def _anchors(index: int, case: Case) -> dict[str, str]:
    """Page-local ids for refs: case ids are untrusted text, so they never become ids."""
    return {item.id: f"c{index}-r{n}" for n, item in enumerate(all_items(case), 1)}


def _groups(case: Case, analysis: Analysis, anchors: dict[str, str]) -> list[GroupView]:
    groups: list[GroupView] = []
    for kind, count in kind_counts(analysis).items():
        if count:
            findings = sorted(analysis.of_kind(kind), key=lambda f: -f.score)
            groups.append(GroupView(kind, KIND_TITLES.get(kind, clean(kind)),
                                    [_finding(case, f, anchors) for f in findings]))
    return groups


def _finding(case: Case, finding: Finding, anchors: dict[str, str]) -> FindingView:
    pair = finding.kind in PAIR_KINDS and len(finding.refs) == 2
    score = max(0.0, min(1.0, float(finding.score)))
    return FindingView(
        kind=finding.kind,
        refs=clean((" ↔ " if pair else ", ").join(finding.refs)),
        score=round(score, 2),
        level="high" if score >= 0.85 else "mid" if score >= 0.6 else "low",
        explanation=clean(finding.explanation).strip() or "(no explanation given)",
        judge=clean(finding.judge),
        quotes=[_quote(case, finding, ref, anchors) for ref in finding.refs],
        pair=pair,
    )


def _quote(case: Case, finding: Finding | None, ref: str, anchors: dict[str, str]
           ) -> QuoteView:
    item = item_of(case, ref)
    spans = spans_for(finding, ref) if finding else []
    text = item.text if item else ""
    pieces = quote_pieces(text, spans, QUOTE_LIMIT) if finding else []
    full = strip_ends([Piece(clean(p.text), p.marked) for p in split_marked(text, spans)])
    if not finding and text:
        pieces = full
    return QuoteView(
        ref=clean(ref), anchor=anchors.get(ref, ""), evidence=isinstance(item, Evidence),
        who=_who(case, item), meta=_meta(case, item),
        question=clean(item.question).strip() if isinstance(item, Statement) and item.question
        else "",
        pieces=pieces, full=full,
        trimmed=sum(len(p.text) for p in pieces) < sum(len(p.text) for p in full),
    )


def _who(case: Case, item: Statement | Evidence | None) -> str:
    if item is None:
        return "not in this case"
    if isinstance(item, Statement):
        return clean(speaker(case, item))
    return clean(item.kind.replace("_", " "))


def _meta(case: Case, item: Statement | Evidence | None) -> str:
    if item is None:
        return ""
    setting = item.setting if isinstance(item, Statement) else None
    return clean(" · ".join(p for p in (setting or "", when(case, item)) if p))
