"""Linked cases for the staff app: `tipline.links` run on request over the stored cases.

Only the cases the user may see (`casework.visible_cases`, the case list's own check) go into
the linking, so a case the user may not see is never named, counted or even weighed: it
cannot change a score they see. Computed on every request for now; linking in the
background through the job queue is the next step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.errors import CaseFileError
from tipline.links import CaseRecords, extract, link_cases
from tipline.links.link import Reason
from tipline.service.casefiles import casework
from tipline.service.casefiles.cases import to_case
from tipline.service.models import CaseRecord, User


@dataclass(frozen=True)
class LinkedCase:
    """Another case linked to the one shown, with reasons worded from the shown case's side."""

    case_id: str
    category: str | None
    score: float
    reasons: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, object]:
        return {"case_id": self.case_id, "category": self.category,
                "score": round(self.score, 3),
                "reasons": [{"text": text, "score": round(score, 3)}
                            for text, score in self.reasons]}


def _records(recs: list[CaseRecord]) -> list[CaseRecords]:
    out = []
    for rec in recs:
        try:
            out.append(extract(to_case(rec)))
        except CaseFileError:  # the store validates every change; never fail the page on one
            continue
    return out


def _word(reason: Reason, here_is_a: bool, other: str) -> str:
    """One reason as seen from this case: "the reporter (P1) of this case is a subject (P2)
    in case X: same phone …", "both mention phone … (this case: E1; case X: E2)"."""
    if reason.who is not None:
        mine, theirs = reason.who if here_is_a else (reason.who[1], reason.who[0])
        return f"{mine} of this case is {theirs} in case {other}: {reason.detail}"
    if reason.refs is not None:
        mine, theirs = reason.refs if here_is_a else (reason.refs[1], reason.refs[0])
        return f"{reason.detail} (this case: {mine}; case {other}: {theirs})"
    return reason.text


def linked_cases(db: Session, user: User, rec: CaseRecord) -> list[LinkedCase]:
    """Every case `user` may see that links to `rec`, strongest first. The caller has opened
    `rec` for `user` (casework.open_case), so `rec` itself is one they may see."""
    visible = {c.case_id: c for c in casework.visible_cases(db, user)}
    if rec.case_id not in visible:  # defensive: never link from a case the user cannot see
        return []
    out = []
    for link in link_cases(_records(list(visible.values()))):
        if rec.case_id not in (link.a, link.b):
            continue
        here_is_a = link.a == rec.case_id
        other = link.b if here_is_a else link.a
        if other not in visible:  # cannot happen: only visible cases were linked
            continue
        out.append(LinkedCase(other, visible[other].category, link.score, tuple(
            (_word(r, here_is_a, other), r.score) for r in link.reasons)))
    return out
