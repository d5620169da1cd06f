"""Claims, and alignment before judgement.

Each sentence of an item is read into a small typed `Claim`: who acts (the speaker for "I", the
person a "he" points back to, the people a record's fields name), the families of acts, who or
what else is involved, when, where, how much, and its modality — asserted, denied, hedged,
reported, asked or hypothetical. Two items can only conflict where two of their claims are
about the same happening: the same actor, the same act family or counterparty, times that can
meet. `align` finds the best-matching claim pair of two items and describes how well they
match; the scorer learns how much each kind of match and mismatch matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from tipline.analysis.facts import Item, SentenceFacts
from tipline.analysis.lexicon import lexicon
from tipline.analysis.mentions import AmountMention, DateMention, intervals_disjoint

WEAK = frozenset({"hedged", "reported", "asked", "hypothetical", "refused"})


@dataclass(frozen=True)
class Claim:
    ref: str
    sentence: SentenceFacts
    actors: frozenset[str]
    others: frozenset[str]  # counterparties and other people named
    acts: frozenset[str]
    denied: frozenset[str]
    when: tuple[DateMention, ...]
    where: frozenset[str]
    amounts: tuple[AmountMention, ...]
    modality: str  # asserted | denied | hedged | reported | asked | hypothetical | refused
    context: frozenset[str] = frozenset()  # its words, and its question's for an answer

    @property
    def weak(self) -> bool:
        return self.modality in WEAK


def claims(item: Item) -> tuple[Claim, ...]:
    """One claim per sentence; pronouns resolved within the item."""
    lex = lexicon()
    out: list[Claim] = []
    last_other: frozenset[str] = item.question_people - {item.speaker} if item.speaker else (
        item.question_people)
    for s in item.sentences:
        named = s.people
        actors: frozenset[str]
        if item.kind == "evidence":
            actors = item.actors | (named if not item.actors else frozenset())
        else:
            actors = frozenset()
            if lex.first_person[item.lang].search(s.text) and item.speaker:
                actors |= frozenset({item.speaker})
            if lex.third_person[item.lang].search(s.text):
                actors |= (named - {item.speaker}) or last_other
            if not actors:
                actors = named or frozenset({item.speaker} if item.speaker else ())
        others = (named | item.question_people) - actors
        if named - {item.speaker}:
            last_other = frozenset(named - {item.speaker})
        acts = s.acts | (item.question_acts if len(item.sentences) <= 2 else frozenset())
        denied = s.denied_acts | (item.question_acts if item.denies_question else frozenset())
        out.append(Claim(
            ref=item.ref, sentence=s, actors=actors, others=others, acts=acts, denied=denied,
            when=s.dates or ((item.day,) if item.day is not None else ()), where=s.places,
            amounts=s.amounts, modality=_modality(item, s, denied),
            context=s.words | item.question_words,
        ))
    return tuple(out)


def _modality(item: Item, s: SentenceFacts, denied: frozenset[str]) -> str:
    if item.kind == "evidence":
        return "denied" if s.negated else "asserted"
    mod = lexicon().modality
    lang = item.lang
    if mod["refused"][lang].search(s.text):
        return "refused"
    if mod["asked"][lang].search(s.text):
        return "asked"
    if s.reported:
        return "reported"
    if mod["hypothetical"][lang].search(s.text):
        return "hypothetical"
    if mod["hedged"][lang].search(s.text):
        return "hedged"
    return "denied" if (denied or s.negated) else "asserted"


@dataclass(frozen=True)
class Alignment:
    """How the best-matching claims of two items meet."""

    a: Claim | None
    b: Claim | None
    same_actor: bool = False
    same_act: bool = False
    same_other: bool = False
    time_meets: bool = False
    time_apart: bool = False
    place_differs: bool = False
    opposed: bool = False  # one denies an act the other asserts, both firm
    a_weak: bool = False
    b_weak: bool = False
    strength: float = 0.0  # 0..1: how surely the two are about one happening

    def features(self) -> dict[str, float]:
        return {
            "al_actor": float(self.same_actor), "al_act": float(self.same_act),
            "al_other": float(self.same_other), "al_time_meets": float(self.time_meets),
            "al_time_apart": float(self.time_apart), "al_place_differs": float(self.place_differs),
            "al_opposed": float(self.opposed), "al_a_weak": float(self.a_weak),
            "al_b_weak": float(self.b_weak), "al_strength": self.strength,
        }


def align(a: Item, b: Item, ca: tuple[Claim, ...], cb: tuple[Claim, ...], keep: int = 2
          ) -> tuple[Alignment, ...]:
    """The `keep` claim pairs of a and b most likely to be about one happening, best first
    (ties: an opposed pair first, then the earlier sentences)."""
    ranked = sorted((_pair(x, y) for x, y in product(ca, cb)),
                    key=lambda al: (-al.strength, not al.opposed))
    return tuple(ranked[:keep]) or (Alignment(None, None),)


def _pair(x: Claim, y: Claim) -> Alignment:
    same_actor = bool(x.actors & y.actors)
    same_act = bool(x.acts & y.acts)
    same_other = bool(x.others & y.others) or bool(x.others & y.actors) or bool(
        x.actors & y.others)
    time_meets = time_apart = False
    if x.when and y.when:
        apart = all(intervals_disjoint(d, e) for d in x.when for e in y.when)
        time_apart, time_meets = apart, not apart
    place_differs = bool(x.where and y.where and not (x.where & y.where))
    shared = x.acts & y.acts
    opposed = bool(shared and ((shared & x.denied) != (shared & y.denied))
                   and not x.weak and not y.weak)
    words = len(x.context & y.context) / max(1, min(len(x.context), len(y.context)))
    strength = (0.3 * same_actor + 0.25 * same_act + 0.15 * same_other
                + 0.1 * (time_meets or not (x.when and y.when)) + 0.2 * min(1.0, 2 * words))
    if time_apart:
        strength *= 0.5
    return Alignment(x, y, same_actor, same_act, same_other, time_meets, time_apart,
                     place_differs, opposed, x.weak, y.weak, round(strength, 4))
