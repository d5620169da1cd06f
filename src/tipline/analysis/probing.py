"""Probing: the reporter tries to learn what investigators know or whom they suspect.

A pure function over a validated case. Only statements by `case.reporter` are read. Cue
families (cues.yaml, section `probing`) are combined as independent evidence (noisy-or); a
reporter asking whether his identity will be passed on (fear of reprisal) counts against.
"""

from __future__ import annotations

from tipline.analysis._cues import cues, dedupe_spans, language_of, normalise, quote
from tipline.analysis.findings import Finding, Span
from tipline.case import Case, Statement

JUDGE = "probing"
THRESHOLD = 0.5

_SAYS = {
    "suspect_self": "asks whether he is himself suspected",
    "investigation_status": "asks what the investigators know or have opened",
    "other_reporters": "asks who else has reported",
    "said_about_me": "asks what others have said about him",
    "told_subject": "asks whether the subject has been told of the report",
    "pre_explains": "explains away in advance why his name will appear",
}


def find_probing(case: Case) -> list[Finding]:
    """One `probing` finding per reporter statement that fishes for the investigation's state."""
    if not case.reporter:
        return []
    return [
        f for s in case.statements
        if s.by == case.reporter and (f := _judge(case, s)) is not None
    ]


def _judge(case: Case, statement: Statement) -> Finding | None:
    text = normalise(statement.text)
    lang = language_of(case, text)
    keep = 1.0
    penalty = 0.0
    found: list[tuple[str, list[tuple[int, int]]]] = []
    for family in cues().sections["probing"].values():
        matches = family.find(text, lang)
        if not matches:
            continue
        if family.weight < 0:
            penalty += -family.weight
            continue
        keep *= 1.0 - family.weight
        found.append((family.name, [(m.start(), m.end()) for m in matches]))
    score = 1.0 - keep - penalty
    if not found or score < THRESHOLD:
        return None
    parts = [
        f'{_SAYS.get(name, name.replace("_", " "))} ("{quote(statement.text, *spans[0])}")'
        for name, spans in found[:2]
    ]
    return Finding(
        kind="probing",
        refs=(statement.id,),
        score=round(min(1.0, score), 3),
        explanation=f"{statement.id}: the reporter {' and '.join(parts)}.",
        spans=tuple(Span(statement.id, s, e)
                    for s, e in dedupe_spans(x for _, spans in found for x in spans)),
        judge=JUDGE,
    )
