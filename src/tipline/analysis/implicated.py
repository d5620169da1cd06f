"""reporter_implicated: the evidence puts the reporter among the actors of what was reported.

A pure function over a validated case. Each evidence record is read through its `fields`
(person ids, names or aliases under keys such as from/to/payer/controlled_by/author/people,
classified in cues.yaml `implicated.fields`), falling back on names in its text when it has no
person fields. A record weighs most when the reporter pays or is paid by another party of the
case, less when he writes to one, made the records, or is placed with a subject; records are
combined as independent evidence (noisy-or). A reporter who says he was defrauded is a victim:
his own payments do not count. `evidence_conflict` findings, when given, add a little weight to
records that refute the reporter's own statements.

Records alone do not make a reporter an actor: a victim's payments and an approached reporter's
messages show him too. So the records' score is one feature of a small learned model
(scorer.yaml, kind `implicated`) beside how likely it is that the reporter's own statements are
contradicted, by a record or by someone else, how many are, and whether he probes or dodges: a
reporter whose account holds is not implicated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from tipline.analysis._cues import cues, language_of, norm_key, normalise
from tipline.analysis.findings import Finding, Span
from tipline.case import Case, Evidence, Person

JUDGE = "implicated"
THRESHOLD = 0.6
REF_MIN = 0.25  # records at least this strong are cited
REFUTED_AT = 0.5  # a pair this likely counts as one of the reporter's statements contradicted
FEATURES = ("rule", "support", "refuted", "rule_x_support", "probing", "reporter_evasion")
CONFLICT_BOOST = 0.15
SUBJECT_BONUS = 0.1
TEXT_MONEY = 0.45  # reporter and another party named in a money record without fields
TEXT_MESSAGE = 0.4
_MONEY_KINDS = {"bank_transfer", "financial"}
_AMOUNT_KEYS = re.compile(r"^(?:amount|total|sum|value)(?:_|$)")
_CJK = re.compile(r"[\u3400-\u9fff]")


class _People:
    """Resolve field values and text mentions to person ids."""

    def __init__(self, case: Case) -> None:
        self.by_id = {p.id: p for p in case.people}
        self.exact: dict[str, str] = {}
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        surnames: dict[str, set[str]] = {}
        for person in case.people:
            parts = person.name.split()
            if len(parts) >= 2 and not _CJK.search(person.name) and len(parts[-1]) >= 4:
                surnames.setdefault(parts[-1], set()).add(person.id)
        for person in case.people:
            own = [s for s, ids in surnames.items() if ids == {person.id}]
            for name in (*person.names, *own, person.id):
                name = name.strip()
                if not name:
                    continue
                self.exact.setdefault(name.lower(), person.id)
                if _CJK.search(name):
                    if len(name) >= 2:
                        self.patterns.append((re.compile(re.escape(name)), person.id))
                elif len(name) >= 3 or name == person.id:
                    flags = 0 if name == person.id or len(name) <= 3 else re.IGNORECASE
                    self.patterns.append(
                        (re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)", flags), person.id))

    def resolve(self, value: Any) -> set[str]:
        if isinstance(value, dict):
            return {p for v in value.values() for p in self.resolve(v)}
        if isinstance(value, (list, tuple, set)):
            return {p for v in value for p in self.resolve(v)}
        if not isinstance(value, str):
            return set()
        text = value.strip()
        if text in self.by_id:
            return {text}
        if text.lower() in self.exact:
            return {self.exact[text.lower()]}
        return {pid for pattern, pid in self.patterns if pattern.search(text)}

    def mentions(self, text: str) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for pattern, pid in self.patterns:
            match = pattern.search(text)
            if match and (pid not in out or match.start() < out[pid][0]):
                out[pid] = (match.start(), match.end())
        return out

    def name(self, pid: str) -> str:
        person = self.by_id.get(pid)
        return person.name if person and person.name else pid


def implicated_features(case: Case, rule: Finding | None,
                        pairs: Iterable[tuple[Sequence[str], float]],
                        findings: Sequence[Finding]) -> dict[str, float]:
    """What the learned model weighs: the records' score (`rule`, from find_implicated with no
    threshold), and from the case's scored pairs and findings how the reporter's own account
    fares."""
    mine = {st.id for st in case.statements if case.reporter and st.by == case.reporter}
    probs = [p for refs, p in pairs if set(refs) & mine]
    support = max(probs, default=0.0)
    score = rule.score if rule is not None else 0.0
    return {
        "rule": score, "support": support, "refuted": float(sum(p >= REFUTED_AT for p in probs)),
        "rule_x_support": round(score * support, 4),
        "probing": float(sum(f.kind == "probing" for f in findings)),
        "reporter_evasion": float(sum(f.kind == "evasion" and f.refs[0] in mine
                                      for f in findings)),
    }


def find_implicated(case: Case, conflicts: Sequence[Finding] = (), threshold: float = THRESHOLD
                    ) -> Finding | None:
    """At most one `reporter_implicated` finding from the records alone; refs are the evidence
    ids that show it. The engine asks with `threshold=0` and lets the learned model decide."""
    reporter = case.person(case.reporter)
    if reporter is None or not case.evidence:
        return None
    people = _People(case)
    lex = cues()
    victim = any(
        lex.implicated["victim"].search(normalise(s.text), language_of(case, s.text))
        for s in case.statements if s.by == reporter.id
    )
    refuting = {
        ref for f in conflicts if f.kind == "evidence_conflict" and len(f.refs) == 2
        and (st := case.statement(f.refs[0])) is not None and st.by == reporter.id
        for ref in f.refs[1:]
    }
    weighed: list[tuple[Evidence, float, str]] = []
    for item in case.evidence:
        weight, why = _weigh(case, item, reporter, people, victim)
        if weight > 0 and item.id in refuting and weight >= REF_MIN:
            weight = 1 - (1 - weight) * (1 - CONFLICT_BOOST)
        if weight > 0:
            weighed.append((item, weight, why))
    keep = 1.0
    for _, weight, _ in weighed:
        keep *= 1 - weight
    score = 1 - keep
    if not weighed or score < threshold:
        return None
    shown = [(e, w, why) for e, w, why in weighed if w >= REF_MIN] or weighed
    strongest = sorted(shown, key=lambda x: -x[1])[:3]
    who = people.name(reporter.id)
    explanation = (
        f"The evidence puts the reporter, {who}, among the actors: "
        + "; ".join(f"{e.id} {why}" for e, _, why in strongest) + "."
    )
    spans = []
    for item, _, _ in shown:
        at = people.mentions(item.text).get(reporter.id)
        if at:
            spans.append(Span(item.id, *at))
    return Finding(
        kind="reporter_implicated",
        refs=tuple(e.id for e, _, _ in shown),
        score=round(min(1.0, score), 3),
        explanation=explanation,
        spans=tuple(spans),
        judge=JUDGE,
    )


def _weigh(case: Case, item: Evidence, reporter: Person, people: _People,
           victim: bool) -> tuple[float, str]:
    """How strongly one record makes the reporter an actor, and why (a clause)."""
    lex = cues()
    roles = lex.field_roles
    rid = reporter.id
    text = normalise(item.text)
    lang = language_of(case, text)
    officers = {p.id for p in case.people if p.role == "officer"}
    subjects = {p.id for p in case.people if p.role == "subject"}
    by_key: dict[str, set[str]] = {}
    for key, value in (item.fields or {}).items():
        found = people.resolve(value)
        if found:
            by_key.setdefault(norm_key(key), set()).update(found)
    victim_factor = 1 + lex.implicated["victim"].weight if victim else 1.0

    def keys_with(role: str, pid: str) -> set[str]:
        return {k for k, ids in by_key.items() if k in roles[role].keys and pid in ids}

    def others(keys: Iterable[str]) -> set[str]:
        return {p for k in keys for p in by_key.get(k, ())} - officers - {rid}

    def names(ids: set[str]) -> str:
        return ", ".join(sorted(people.name(p) for p in ids))

    collusion = lex.implicated["collusion"].search(text, lang)
    is_money = item.kind in _MONEY_KINDS or any(
        _AMOUNT_KEYS.match(norm_key(k)) for k in (item.fields or {}))
    routine = is_money and lex.implicated["routine_payment"].search(text, lang)
    money_factor = 1 + lex.implicated["routine_payment"].weight if routine else 1.0
    if not any(rid in ids for ids in by_key.values()):
        return _weigh_text(item, text, lang, rid, people, officers, is_money,
                           victim_factor * money_factor)
    best, why = 0.0, ""
    payer_side = keys_with("money_party", rid)
    if is_money and payer_side:
        counter = others(roles["counterparty"].keys | roles["present"].keys) - {rid}
        if counter:
            weight = roles["money_party"].weight + (SUBJECT_BONUS if counter & subjects else 0)
            why = f"records money between {people.name(rid)} and {names(counter)}"
        else:
            weight, why = 0.1, f"records money of {people.name(rid)}"
        pays = bool(payer_side & {"from", "payer", "paid_by", "sender", "drawer",
                                  "depositor", "controlled_by", "transferred_by"})
        weight *= money_factor * (victim_factor if pays else 1.0)
        best = weight
    for role, direction in (("sender", ("from", "to")), ("addressee", ("to", "from"))):
        if not keys_with(role, rid) or is_money:
            continue
        counter = others(roles["counterparty"].keys) - {rid}
        if not counter:
            continue
        weight = roles[role].weight + (lex.implicated["collusion"].weight if collusion else 0)
        if weight > best:
            best = weight
            why = (f"is a message {direction[0]} {people.name(rid)} {direction[1]} "
                   f"{names(counter)}") + (f' ("{_said(item, collusion)}")' if collusion else "")
    if keys_with("actor", rid) and roles["actor"].weight > best:
        best = roles["actor"].weight
        made = ", ".join(sorted(keys_with("actor", rid)))
        why = f"shows {people.name(rid)} made the records ({made})"
    if keys_with("present", rid):
        with_others = others(roles["present"].keys)
        restricted = lex.implicated["restricted_place"].search(text, lang)
        if item.kind == "location" and restricted:
            weight = lex.implicated["restricted_place"].weight
            clause = f'places {people.name(rid)} in a restricted site ("{_said(item, restricted)}")'
        elif with_others and collusion and item.kind == "communication":
            weight = roles["sender"].weight + lex.implicated["collusion"].weight
            clause = (f"is a message between {people.name(rid)} and {names(with_others)}"
                      f' ("{_said(item, collusion)}")')
        elif with_others:
            weight = roles["present"].weight + (0.1 if item.kind == "location" else 0)
            clause = f"places {people.name(rid)} with {names(with_others)}"
        else:
            weight, clause = 0.0, ""
        if weight > best:
            best, why = weight, clause
    return best, why


def _weigh_text(item: Evidence, text: str, lang: str, rid: str, people: _People,
                officers: set[str], is_money: bool, victim_factor: float) -> tuple[float, str]:
    """Fallback for a record without person fields: names in its text."""
    lex = cues()
    named = people.mentions(text)
    if rid not in named:
        return 0.0, ""
    counter = set(named) - officers - {rid}
    who = people.name(rid)
    if counter and (is_money or lex.implicated["money_words"].search(text, lang)):
        others = ", ".join(sorted(people.name(p) for p in counter))
        return TEXT_MONEY * victim_factor, f"records money between {who} and {others}"
    collusion = lex.implicated["collusion"].search(text, lang)
    if counter and item.kind == "communication":
        others = ", ".join(sorted(people.name(p) for p in counter))
        if collusion:
            return TEXT_MESSAGE, (f"is a message between {who} and {others}"
                                  f' ("{_said(item, collusion)}")')
        return lex.field_roles["sender"].weight, f"is a message between {who} and {others}"
    restricted = lex.implicated["restricted_place"].search(text, lang)
    if item.kind == "location" and restricted:
        return (lex.implicated["restricted_place"].weight,
                f'places {who} in a restricted site ("{_said(item, restricted)}")')
    authored = lex.implicated["authorship"].search(text, lang)
    if authored and item.kind in ("document", "financial", "registry", "other", "note"):
        return (lex.implicated["authorship"].weight,
                f'shows {who} made the records ("{_said(item, authored)}")')
    return 0.0, ""


def _said(item: Evidence, match: re.Match[str]) -> str:
    """The cue as written in the record (matching runs on a case-folded copy)."""
    return " ".join(item.text[match.start():match.end()].split())
