"""Evasion: an answer that deflects, refuses, counter-questions, redirects or hedges.

A pure function over a validated case. Cues come from cues.yaml (section `evasion`); each
answer (a statement with `question`) is scored by adding the weights of the cue families found
in it, less the weights of an honest limit of knowledge or a plain yes/no in front, plus a
small boost when a yes/no or how-much/when question gets no yes/no, number or date.
"""

from __future__ import annotations

from dataclasses import dataclass

from tipline.analysis._cues import (
    Family,
    cues,
    dedupe_spans,
    first_sentence_end,
    language_of,
    normalise,
    quote,
)
from tipline.analysis.findings import Finding, Span
from tipline.case import Case, Statement

JUDGE = "evasion"
THRESHOLD = 0.5
LATE_FACTOR = 0.4  # a `lead` cue found after the first sentence usually follows a real answer
BARE_HEDGE, BARE_EN, BARE_ZH = 0.15, 60, 15  # an answer that is nothing but a hedge

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


@dataclass(frozen=True)
class _Hit:
    family: Family
    value: float
    matches: tuple[tuple[int, int], ...]


def find_evasion(case: Case) -> list[Finding]:
    """One `evasion` finding per answer that dodges its question, refs [statement id]."""
    return [f for s in case.statements if s.is_answer and (f := _judge(case, s)) is not None]


def _judge(case: Case, statement: Statement) -> Finding | None:
    lex = cues()
    text = normalise(statement.text)
    question = normalise(statement.question or "")
    lang = language_of(case, text)
    qlang = language_of(case, question)
    qtypes = lex.sections["question_types"]
    if qtypes["open_invitation"].search(question, qlang):
        return None  # "anything to add?" has no answer to dodge
    lead_end = first_sentence_end(text)
    hits: list[_Hit] = []
    for family in lex.sections["evasion"].values():
        found = family.find(text, lang)
        if not found:
            continue
        spans = tuple(dict.fromkeys((m.start(), m.end()) for m in found))
        if family.cap is not None:
            value = min(family.cap, family.weight * len(spans)) if family.weight > 0 else max(
                -family.cap, family.weight * len(spans))
        elif family.lead and all(start >= lead_end for start, _ in spans):
            value = family.weight * LATE_FACTOR
        else:
            value = family.weight
        hits.append(_Hit(family, value, spans))
    positive = [h for h in hits if h.value > 0]
    if not positive:
        return None
    score = sum(h.value for h in hits)
    names = {h.family.name for h in hits}
    wanted = "answering it"
    if qtypes["polar"].search(question, qlang):
        wanted = "saying yes or no"
        if "direct_answer" not in names:
            score += qtypes["polar"].weight
    if qtypes["quantity_or_time"].search(question, qlang):
        wanted = "giving a number or a date"
        if not lex.sections["answer_content"]["number_or_date"].search(text, lang):
            score += qtypes["quantity_or_time"].weight
    bare = len(text.strip()) <= (BARE_ZH if lang == "zh" else BARE_EN)
    if "hedge" in names and "honest_limit" not in names and bare:
        score += BARE_HEDGE  # the hedge is the whole answer
    if score < THRESHOLD:
        return None
    positive.sort(key=lambda h: -h.value)
    parts: list[str] = []
    seen: set[str] = set()
    for hit in positive:
        fresh = [q for q in dict.fromkeys(quote(statement.text, s, e) for s, e in hit.matches)
                 if q not in seen][:2]
        if not fresh or len(parts) == 2:
            continue
        seen.update(fresh)
        quoted = ", ".join(f'"{q}"' for q in fresh)
        parts.append(f"{_SAYS.get(hit.family.name, hit.family.why.rstrip('.').lower())} "
                     f"({quoted})")
    q = quote(statement.question or "", 0, len(statement.question or ""), 80)
    explanation = (f'{statement.id} {" and ".join(parts)} instead of {wanted} to the question '
                   f'"{q}".')
    cue_spans = dedupe_spans(s for h in positive for s in h.matches)
    return Finding(
        kind="evasion",
        refs=(statement.id,),
        score=round(min(1.0, max(0.0, score)), 3),
        explanation=explanation,
        spans=tuple(Span(statement.id, s, e) for s, e in cue_spans),
        judge=JUDGE,
    )
