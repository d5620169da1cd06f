"""The terminal report: what an officer reads after `tipline analyze` or `tipline demo`.

Every piece of case text goes into a rich `Text` object, never into a markup string, so a
report that contains "[bold]" or an escape sequence is shown as written and cannot restyle
or rewrite the terminal.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tipline.analysis.findings import Analysis, Finding, TimelineEntry
from tipline.case.model import Case, Statement
from tipline.report.common import (
    KIND_SHORT,
    KIND_TITLES,
    NO_FINDINGS,
    PAIR_KINDS,
    Piece,
    amount_text,
    clean,
    date_label,
    item_of,
    kind_counts,
    quote_pieces,
    ref_label,
    spans_for,
    trim_end,
    trim_middle,
)

MARK = "bold black on yellow"
PAIR_QUOTE_LIMIT = 320
SINGLE_QUOTE_LIMIT = 480
TIMELINE_TEXT_LIMIT = 160
SHOWN_IN_FULL = 6


def render_terminal(case: Case, analysis: Analysis, console: Console) -> None:
    """Print the whole report for one case: header, findings by kind, timeline."""
    console.print(_header(case, analysis))
    if not analysis.findings:
        console.print(Text(NO_FINDINGS, style="green"))
    for kind in kind_counts(analysis):
        findings = sorted(analysis.of_kind(kind), key=lambda f: -f.score)
        if findings:
            _kind_section(case, kind, findings, console)
    if analysis.timeline:
        console.print(Rule(Text(f"Timeline ({len(analysis.timeline)})", style="bold")))
        console.print(_timeline(analysis.timeline))


def _kind_section(case: Case, kind: str, findings: list[Finding], console: Console) -> None:
    """The strongest findings of a kind in full; the rest one line each, so a long tail of
    weak findings does not bury the ones that matter."""
    title = KIND_TITLES.get(kind, clean(kind))
    console.print(Rule(Text(f"{title} ({len(findings)})", style="bold")))
    for number, finding in enumerate(findings[:SHOWN_IN_FULL], 1):
        console.print(_finding(case, finding, number))
    rest = findings[SHOWN_IN_FULL:]
    if rest:
        console.print(Text(f"{len(rest)} more, with lower scores:", style="bold"))
        for number, finding in enumerate(rest, SHOWN_IN_FULL + 1):
            line = _score_line(finding, number)
            line.append("  " + trim_end(clean(finding.explanation).strip(), 160))
            console.print(line)
        console.print()


def _header(case: Case, analysis: Analysis) -> Panel:
    """Who, what, how much: enough to know at a glance what this case holds."""
    reporter = case.person(case.reporter)
    facts = [f"language {case.language}", case.channel or "", case.category or "",
             f"received {case.received_at:%Y-%m-%d %H:%M}"]
    sizes = [f"{len(case.statements)} statements", f"{len(case.evidence)} records",
             f"{len(case.people)} people",
             f"reporter: {reporter.name or reporter.id}" if reporter else "anonymous reporter"]
    body = Text()
    body.append(clean(" · ".join(f for f in facts if f)) + "\n")
    body.append(clean(" · ".join(sizes)) + "\n")
    body.append("Findings: ", style="bold")
    for i, (kind, count) in enumerate(kind_counts(analysis).items()):
        if i:
            body.append(" · ", style="dim")
        body.append(f"{count} {KIND_SHORT.get(kind, kind)}",
                    style="bold red" if count else "dim")
    title = Text()
    title.append("Case ", style="bold")
    title.append(clean(case.id), style="bold cyan")
    return Panel(body, title=title, title_align="left", box=box.ROUNDED)


def _finding(case: Case, finding: Finding, number: int) -> RenderableType:
    """One finding: the quotes it rests on, then its score and reason."""
    body: RenderableType
    if finding.kind in PAIR_KINDS and len(finding.refs) == 2:
        body = _pair(case, finding)
    elif finding.kind == "reporter_implicated":
        body = _records(case, finding)
    else:
        body = _singles(case, finding)
    return Group(_score_line(finding, number), body, _reason(finding), Text(""))


def _score_line(finding: Finding, number: int) -> Text:
    line = Text()
    line.append(f"{number}. ", style="bold")
    joiner = " ↔ " if finding.kind in PAIR_KINDS else ", "
    line.append(clean(joiner.join(finding.refs)), style="bold cyan")
    line.append("  score ", style="dim")
    line.append(f"{finding.score:.2f}", style=_score_style(finding.score))
    if finding.judge:
        line.append(f"  ({clean(finding.judge)})", style="dim")
    return line


def _score_style(score: float) -> str:
    return "bold red" if score >= 0.85 else "bold yellow" if score >= 0.6 else "bold"


def _reason(finding: Finding) -> Text:
    text = Text()
    text.append("Why: ", style="bold")
    text.append(clean(finding.explanation).strip() or "(no explanation given)")
    return text


def _pair(case: Case, finding: Finding) -> Table:
    """The two quotes side by side, each under the id and speaker (or record kind)."""
    table = Table(box=box.ROUNDED, expand=True, show_header=False, padding=(0, 1))
    for _ in finding.refs:
        table.add_column(ratio=1, overflow="fold")
    table.add_row(*(Text(ref_label(case, ref), style="bold") for ref in finding.refs),
                  end_section=True)
    table.add_row(*(_quote(case, finding, ref, PAIR_QUOTE_LIMIT) for ref in finding.refs))
    return table


def _singles(case: Case, finding: Finding) -> RenderableType:
    """Evasion, probing and unknown kinds: each statement, with the question it answers."""
    parts: list[RenderableType] = []
    for ref in finding.refs:
        item = item_of(case, ref)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row(Text(""), Text(ref_label(case, ref), style="bold"))
        if isinstance(item, Statement) and item.question:
            question = trim_middle(clean(item.question).strip(), SINGLE_QUOTE_LIMIT)
            grid.add_row(Text("Q"), Text(question, style="italic"))
            grid.add_row(Text("A"), _quote(case, finding, ref, SINGLE_QUOTE_LIMIT))
        else:
            grid.add_row(Text("›"), _quote(case, finding, ref, SINGLE_QUOTE_LIMIT))
        parts.append(grid)
    return Group(*parts)


def _records(case: Case, finding: Finding) -> Table:
    """The evidence records that put the reporter among the actors."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1))
    table.add_column("Record", style="bold", ratio=1, overflow="fold")
    table.add_column("What it shows", ratio=3, overflow="fold")
    for ref in finding.refs:
        table.add_row(Text(ref_label(case, ref)), _quote(case, finding, ref, SINGLE_QUOTE_LIMIT))
    return table


def _quote(case: Case, finding: Finding, ref: str, limit: int) -> Text:
    """The ref's text with the finding's spans highlighted, trimmed to about `limit`."""
    text = case.text_of(ref)
    if not text:
        return Text("(no such statement or record in this case)", style="dim italic")
    return _marked(quote_pieces(text, spans_for(finding, ref), limit))


def _marked(pieces: list[Piece]) -> Text:
    out = Text("“")
    for piece in pieces:
        out.append(piece.text, style=MARK if piece.marked else "")
    out.append("”")
    return out


def _timeline(entries: tuple[TimelineEntry, ...]) -> Table:
    """When each thing happened, how precisely we know it, and who says so."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, padding=(0, 1))
    table.add_column("When", style="bold", min_width=10, max_width=12)
    table.add_column("Prec.", style="dim", overflow="fold")
    table.add_column("Refs", style="cyan", overflow="fold")
    table.add_column("What", ratio=1, overflow="fold")
    table.add_column("Amount", overflow="fold", max_width=16)
    for entry in entries:
        table.add_row(
            Text(date_label(entry.at)), Text(clean(entry.precision)),
            Text(clean(", ".join(entry.refs))),
            Text(trim_middle(clean(entry.text).strip(), TIMELINE_TEXT_LIMIT)),
            Text(amount_text(entry.amount), style="magenta"),
        )
    return table
