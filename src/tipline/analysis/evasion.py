"""Evasion: an answer that does not give what its question asks for, or hides behind a refusal,
a counter-question, someone else or a hedge.

A pure function over a validated case. Each answer (a statement with `question`) is read into
features (answers.py: cue families of cues.yaml and the answer's shape against its question),
and the learned scorer (scorer.yaml, kind `evasion`) weighs them; the features that pushed the
score up most write the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence

from tipline.analysis._cues import cues, dedupe_spans, language_of, normalise, quote
from tipline.analysis.answers import Answer, answer_features
from tipline.analysis.facts import build_items
from tipline.analysis.findings import Finding, Span
from tipline.analysis.scoring import load_scorers
from tipline.case import Case, Statement

JUDGE = "evasion"

_SAYS = {
    "deflect": "deflects to someone else",
    "refuse": "declines to answer",
    "counter_question": "answers with a question",
    "answers_with_question": "opens with a question of its own",
    "relevance_denial": "calls the question irrelevant",
    "redirect": "redirects the investigators",
    "hedge": "hedges",
    "dismiss": "waves the matter away",
}
_SHAPE = {
    "polar_unanswered": "gives no yes or no",
    "quantity_unanswered": "gives no number or date",
    "where_unanswered": "names no place",
    "who_unanswered": "names no one",
    "counter_question": "answers with a question",
    "short": "says next to nothing",
    "hedged_own": "hedges about their own doing",
}


def find_evasion(case: Case, answers: Sequence[Answer] | None = None) -> list[Finding]:
    """One `evasion` finding per answer the scorer asserts, refs [statement id]. `answers`:
    the case's statements already read by answer_features (the pipeline reads them once)."""
    scorer = load_scorers("rules")["evasion"]  # reads no model: the same in both variants
    if answers is None:
        answers = answer_features(case, build_items(case))
    found = []
    for statement, feats, _ in answers:
        if not statement.question or feats["open_invitation"]:
            continue  # "anything to add?" has no answer to dodge
        score = scorer.score(feats)
        if score >= scorer.threshold:
            reasons = [n for n, c in scorer.contributions(feats) if c > 0 and feats.get(n)]
            found.append(_finding(case, statement, score, reasons))
    return found


def _finding(case: Case, statement: Statement, score: float, reasons: list[str]) -> Finding:
    text = normalise(statement.text)
    lang = language_of(case, text)
    families = cues().sections["evasion"]
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    seen: set[str] = set()
    used: set[str] = set()
    for name in reasons:
        if len(parts) == 2:
            break
        family = families.get(name.removeprefix("ev_")) if name.startswith("ev_") else None
        if family is not None and family.weight > 0:
            matches = [(m.start(), m.end()) for m in family.find(text, lang)]
            fresh = [q for q in dict.fromkeys(quote(statement.text, s, e) for s, e in matches)
                     if q not in seen][:2]
            if not fresh:
                continue  # the same words already explained by a stronger family
            seen.update(fresh)
            used.add(family.name)
            quoted = ", ".join(f'"{q}"' for q in fresh)
            says = _SAYS.get(family.name, family.why.rstrip(".").lower())
            parts.append(f"{says} ({quoted})")
            spans.extend(matches)
        elif name in _SHAPE and _SHAPE[name] not in parts and not (
                name == "counter_question" and used & {"counter_question",
                                                        "answers_with_question"}):
            parts.append(_SHAPE[name])  # (unless a cue already quoted the question)
    if not parts:
        parts.append("does not give what the question asks for")
    q = quote(statement.question or "", 0, len(statement.question or ""), 80)
    return Finding(
        kind="evasion", refs=(statement.id,), score=score,
        explanation=f'{statement.id} {" and ".join(parts)} in answer to the question "{q}".',
        spans=tuple(Span(statement.id, s, e) for s, e in dedupe_spans(spans)), judge=JUDGE)
