"""Probing: the reporter tries to learn what investigators know or whom they suspect.

A pure function over a validated case. Only statements by `case.reporter` are read. Each is
read into features (answers.py: the probing cue families of cues.yaml — asking whether he is
suspected, what is known, who else reported — against asking for protection) and weighed by
the learned scorer (scorer.yaml, kind `probing`).
"""

from __future__ import annotations

from collections.abc import Sequence

from tipline.analysis._cues import cues, dedupe_spans, language_of, normalise, quote
from tipline.analysis.answers import Answer, answer_features, most_probing_question
from tipline.analysis.facts import build_items
from tipline.analysis.findings import Finding, Span
from tipline.analysis.scoring import load_scorers
from tipline.case import Case, Statement

JUDGE = "probing"

_SAYS = {
    "suspect_self": "asks whether they are themselves suspected",
    "investigation_status": "asks what the investigators know or have opened",
    "other_reporters": "asks who else has reported",
    "said_about_me": "asks what others have said about them",
    "told_subject": "asks whether the subject has been told of the report",
    "pre_explains": "explains away in advance why their name will appear",
    "progress": "asks how far the investigation has got",
}


def find_probing(case: Case, answers: Sequence[Answer] | None = None) -> list[Finding]:
    """One `probing` finding per reporter statement that fishes for the investigation's state.
    `answers`: as for find_evasion."""
    if not case.reporter:
        return []
    scorer = load_scorers("rules")["probing"]
    if answers is None:
        answers = answer_features(case, build_items(case))
    found = []
    for statement, feats, by_reporter in answers:
        if not by_reporter:
            continue
        score = scorer.score(feats)
        if score >= scorer.threshold:
            known = cues().sections["probing"]
            families = [n.removeprefix("pr_") for n, c in scorer.contributions(feats)
                        if c > 0 and n.removeprefix("pr_") in known and feats.get(n)]
            by_meaning = any(n == "probe_like_question" and c > 0
                             for n, c in scorer.contributions(feats))
            found.append(_finding(case, statement, score, families, by_meaning))
    return found


def _finding(case: Case, statement: Statement, score: float, names: list[str],
             by_meaning: bool = False) -> Finding:
    text = normalise(statement.text)
    lang = language_of(case, text)
    families = cues().sections["probing"]
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    for name in names[:2]:
        matches = [(m.start(), m.end()) for m in families[name].find(text, lang)]
        if matches:
            parts.append(f'{_SAYS.get(name, name.replace("_", " "))} '
                         f'("{quote(statement.text, *matches[0])}")')
            spans.extend(matches)
    nearest = most_probing_question(text) if by_meaning and len(parts) < 2 else None
    if nearest is not None:
        (start, end), prototype = nearest
        if not any(start < e and s < end for s, e in spans):
            parts.append(f'asks "{quote(statement.text, start, end)}", close in meaning to '
                         f'"{prototype}"')
            spans.append((start, end))
    if not parts:
        parts.append("asks about the investigation itself")
    return Finding(
        kind="probing", refs=(statement.id,), score=score,
        explanation=f"{statement.id}: the reporter {' and '.join(parts)}.",
        spans=tuple(Span(statement.id, s, e) for s, e in dedupe_spans(spans)), judge=JUDGE)
