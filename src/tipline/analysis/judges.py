"""Judges: small rules that each look at one pair of items and say how strongly, and why, the
two cannot both be true. The combiner (scoring.py) weighs their votes into one score."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple

from tipline.analysis.facts import Item, SentenceFacts
from tipline.analysis.lexicon import lexicon
from tipline.analysis.mentions import (
    DateMention,
    intervals_disjoint,
)
from tipline.analysis.text import words

# How an act family is named in an explanation ("S3 denies money changing hands …").
ACT_NAMES = {
    "money": "money changing hands", "contact": "contact between the people",
    "give": "handing something over", "presence": "being at a place", "take": "taking something",
    "harm": "someone being hurt", "dispute": "a quarrel between them",
    "dumping": "getting rid of something", "stake": "a part in the business",
    "handling": "working on it by hand",
}


@dataclass(frozen=True)
class Verdict:
    judge: str
    score: float
    reason: str
    spans: tuple[tuple[str, int, int], ...] = ()  # (ref, start, end)


def quote_claim(text: str, limit: int = 60) -> str:
    """A claim as an explanation quotes it: one line, in curly quotes, cut at `limit`."""
    text = " ".join(text.split()).rstrip("。．.!！?？;；,，")
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _span(item: Item, s: SentenceFacts) -> tuple[str, int, int]:
    return (item.ref, s.start, s.end)


def _context(item: Item, s: SentenceFacts) -> frozenset[str]:
    """What a sentence is about: its words, and for an answer the question's words too."""
    return s.words | item.question_words


# --- dates the polarity judge reads -------------------------------------------------------


_UNTIL = re.compile(r"(?:\buntil|\btill|到)\s*$", re.IGNORECASE)


def _sentence_dates(item: Item, s: SentenceFacts) -> tuple[DateMention, ...]:
    """The times a sentence places things at; a record's undated sentence is at the record's
    date. An end ("绑到第二天早上", "until I clocked out at six") is when a state stopped, not
    when the thing happened."""
    own = tuple(d for d in s.dates if not _UNTIL.search(item.text[max(0, d.start - 6):d.start]))
    return own or ((item.day,) if item.kind == "evidence" and item.day and not s.dates else ())


# --- polarity -------------------------------------------------------------------------------


class _Denial(NamedTuple):
    """One denying sentence, read once for every sentence of the other side."""

    item: Item
    sentence: SentenceFacts
    acts: frozenset[str]  # what it denies (a bare "No." denies its question's acts)
    said: str  # its text, with the question in front for a bare "No."
    particulars: frozenset[str]  # "both … and" questions: what the other side must share
    modes: frozenset[str]  # the ways of contact it names


def _denial(item: Item, neg: SentenceFacts) -> _Denial:
    bare = item.denies_question and neg is item.sentences[0]
    said = f"{item.question} {neg.text}" if bare else neg.text
    lex = lexicon()
    return _Denial(
        item, neg, neg.denied_acts | (item.question_acts if bare else frozenset()), said,
        item.question_words if bare and lex.combination[item.lang].search(item.question or "")
        else frozenset(),
        lex.contact_modes_of(said, item.lang))


def _refuted(d: _Denial, asserter: Item, pos: SentenceFacts) -> frozenset[str]:
    """The denied acts that `pos` says happened, once every reason it does not count is out."""
    shared = d.acts & (pos.acts | _affirmed(asserter, pos))
    if pos.negated or pos.reported or not shared or _asserts_nothing(pos):
        return frozenset()
    shown = f"{asserter.question} {pos.text}" if asserter.question else pos.text
    if shared == {"contact"} and _other_way(d.modes, shown, asserter.lang):
        return frozenset()
    shared = frozenset(a for a in shared
                       if not _other_kind(a, d.said, d.item.lang, shown, asserter.lang))
    if (len(d.particulars & pos.words) < min(2, len(d.particulars))
            or _within_restriction(d.sentence, pos) or _after_until(d.sentence, asserter, pos)):
        return frozenset()
    return shared


def polarity_judge(a: Item, b: Item) -> Verdict | None:
    """One side denies an act ("never gave them anything") that the other asserts, in
    sentences about the same thing (shared words, or the question the denial answers)."""
    best: Verdict | None = None
    best_rank = (0.0, False)
    for denier, asserter in ((a, b), (b, a)):
        by_thing = False  # the record names them only through a thing of theirs
        if asserter.kind == "evidence":
            if not (denier.actors | denier.people) & (asserter.people | asserter.actors):
                by_thing = bool((denier.actors | denier.people) & asserter.through)
                if not by_thing:
                    continue
        elif denier.kind == "statement" and not (
                (denier.actors | denier.people)
                & (asserter.people | asserter.actors | asserter.question_people)):
            continue  # an answer is also about the people its question names
        for neg in _denials(denier):
            bare = denier.denies_question and neg is denier.sentences[0]
            if asserter.kind == "evidence" and not (bare or _speaks_of_self(denier, neg)):
                continue  # "the takings never go through the till": the records bear it out
            if by_thing and _SELF_SUBJECT[denier.lang].search(neg.text):
                continue  # his car on camera: not where he was ("I didn't go out")
            if _checked_another_time(denier, neg, asserter):
                continue
            denial = _denial(denier, neg)
            context = neg.words | (denier.question_words if denier.denies_question else set())
            for pos in asserter.sentences:
                shared_acts = _refuted(denial, asserter, pos)
                if not shared_acts:
                    continue
                overlap = len(context & pos.words)
                named = neg.people | denier.question_people
                counterpart = bool(named & (pos.people | asserter.actors) - {denier.speaker})
                score = min(1.0, 0.4 + 0.2 * len(shared_acts) + 0.2 * min(2, overlap)
                            + 0.2 * counterpart)
                # of equal sentences, quote one where the other side speaks of itself
                rank = (score, bool(_SELF_SUBJECT[asserter.lang].search(pos.text)))
                if best is None or rank > best_rank:
                    best_rank = rank
                    act = ACT_NAMES[sorted(shared_acts)[0]]
                    best = Verdict(
                        "polarity", score,
                        f"{denier.ref} denies {act} ({quote_claim(neg.text)}); "
                        f"{asserter.ref} says it happened ({quote_claim(pos.text)}).",
                        (_span(denier, neg), _span(asserter, pos)),
                    )
    other = _other_account(a, b)
    return other if other and (best is None or other.score > best.score) else best


# The speaker speaks of themself: "I", "we", or of their own motive ("This isn't about getting
# back at anyone", "这不是为了报复").
_SELF_SUBJECT = {"en": re.compile(r"\b(?:i|we)\b|^this (?:isn't|is not|is) (?:about|personal)\b",
                                  re.IGNORECASE),
                 "zh": re.compile("我|^这不是为了")}


def _other_account(a: Item, b: Item) -> Verdict | None:
    """Two accounts of one happening that cannot both be true about the same person ("I left
    of my own accord" against a dismissal letter): lexicon.yaml's alternatives."""
    told_a = [s for s in a.sentences if s.accounts]
    told_b = [s for s in b.sentences if s.accounts]
    if not (told_a and told_b and (a.people | a.actors | a.question_people)
            & (b.people | b.actors | b.question_people)):
        return None
    for sa, sb in product(told_a, told_b):
        for (event, way_a), (event_b, way_b) in product(sa.accounts, sb.accounts):
            if (event == event_b and way_a != way_b
                    and not any(s.negated or s.reported or _asserts_nothing(s) for s in (sa, sb))):
                return Verdict(
                    "polarity", 0.8,
                    f"{a.ref} and {b.ref} give two accounts of the {event} that cannot both be "
                    f"true: {quote_claim(sa.text)} against {quote_claim(sb.text)}.",
                    (_span(a, sa), _span(b, sb)))
    return None


def _speaks_of_self(item: Item, s: SentenceFacts) -> bool:
    """An answer is about the one asked; a report's sentence about its speaker says "I" or
    "we" ("our manager didn't call 911" is about the manager)."""
    return item.kind == "statement" and (
        item.question is not None or bool(_SELF_SUBJECT[item.lang].search(s.text)))


_UNTIL_CLAUSE = re.compile(r"\b(?:until|till)\b|直到|一直到", re.IGNORECASE)


def _after_until(neg: SentenceFacts, asserter: Item, pos: SentenceFacts) -> bool:
    """"I didn't leave the building until I clocked out at six" denies leaving before six: what
    the other side places wholly after six does not refute it."""
    cue = _UNTIL_CLAUSE.search(neg.text)
    if cue is None:
        return False
    ends = [d for d in neg.dates if d.start >= neg.start + cue.end()]
    when = _sentence_dates(asserter, pos)
    return bool(ends and when) and all(w.lo >= ends[0].lo for w in when)


def _checked_another_time(denier: Item, neg: SentenceFacts, asserter: Item) -> bool:
    """A record that found nothing at a time it names ("2024年5月…未发现异常排放口") says
    nothing of a time the other side names apart from it (dumping "上周六", a year later)."""
    return (denier.kind == "evidence" and bool(neg.dates) and bool(asserter.dates)
            and all(intervals_disjoint(x, y) for x in neg.dates for y in asserter.dates))


def _affirmed(item: Item, s: SentenceFacts) -> frozenset[str]:
    """A "Yes" that opens an answer asserts its question's acts ("Staff say you made up the
    envelopes. Is that right?" "Yes, but on his instructions.")."""
    return item.question_acts if item.affirms_question and s is item.sentences[0] else frozenset()


_ONLY_EVER = re.compile(r"\bonly ever\b", re.IGNORECASE)


def _within_restriction(neg: SentenceFacts, pos: SentenceFacts) -> bool:
    """"I only ever sent them made-up material" denies sending anything else: a side that
    speaks of the same thing ("made-up notes") agrees with it. The thing is what follows the
    verb, names left out ("sent Rita made-up material")."""
    cue = _ONLY_EVER.search(neg.text)
    if cue is None:
        return False
    thing = words(_NAME.sub(" ", neg.text[cue.end():]))[1:]
    return bool(set(thing) & pos.words)


_NAME = re.compile(r"\b[A-Z][\w'-]*")


def _other_way(denied: frozenset[str], shown_text: str, lang: str) -> bool:
    """The denial (its contact modes) is of meeting and the other side (an answer read with its
    question: "your guests at…?" "Buyers.") shows only messages, or the reverse."""
    shown = lexicon().contact_modes_of(shown_text, lang)
    return "general" not in denied and bool(denied) and bool(shown) and not denied & shown


def _other_kind(act: str, denial: str, denial_lang: str, shown: str, shown_lang: str) -> bool:
    """The denial names a narrower kind of the act ("一分都没跟别人借": borrowing) and the other
    side shows none of it (only transfers)."""
    lex = lexicon()
    denied = lex.kinds_of(act, denial, denial_lang)
    return bool(denied) and not denied & lex.kinds_of(act, shown, shown_lang)


_UNSURE = re.compile(  # the whole sentence is the not-knowing: nothing else is said in it
    r"^(?!.*\bbut\b).*\b(?:don't|do not|didn't|did not) know (?:what|who|whether|if|how|where|"
    r"when|why)\b|^(?!.*\bbut\b).*\bno idea (?:what|who|whether|if|how|where|when|why)\b|"
    r"(?:什么|谁|哪|怎么|多少|有没有)[^。；！？]{0,12}(?:不清楚|不知道|不记得)[了啊呢吧]?[。！]?$|"
    r"^[^，,]*(?:不清楚|不知道|不记得)[^，,。；！？]{0,12}(?:什么|谁|哪|怎么|多少|有没有)"
    r"[^，,。；！？]*[。！？]?$", re.IGNORECASE)


_GO_AND_ASK = re.compile(  # telling the listener to find something out: "你们多查查他收了谁的钱"
    r"^(?!.*\bbut\b)(?:you (?:should|need to|ought to|could) |go and )?"
    r"(?:check|ask|find out|look into|see)\b[^.;!?]{0,12}\b(?:who|what|whether|if|how|where|"
    r"when|why)\b|^[^，,但]*(?:查|问问|看看|了解一下)[^。；！？，,]{0,12}(?:谁|什么|哪|多少|有没有)"
    r"|^(?:please |just )?(?:help me|get me)\b|^你们?[先快赶紧就]?(?:帮我|给我)",  # or to help
    re.IGNORECASE)


def _asserts_nothing(sentence: SentenceFacts) -> bool:
    """A question asserts nothing ("Will my name be shared with Rob?"), nor does not knowing
    the answer to one ("周磊跟他有什么往来，我不清楚", "I don't know what he did with it"), nor
    telling the listener to find it out ("你们还是多查查他收了谁的钱") or asking for help
    ("你们先帮我把被骗的钱追回来就行")."""
    text = sentence.text
    return (text.rstrip().endswith(("?", "？")) or bool(_UNSURE.search(text))
            or bool(_GO_AND_ASK.search(text)))


def _denials(item: Item) -> list[SentenceFacts]:
    """Sentences that deny; a bare "No." answering a question denies the question's act."""
    out = [s for s in item.sentences if s.negated and not s.reported]
    if item.denies_question and item.sentences and item.sentences[0] not in out:
        out.insert(0, item.sentences[0])
    return out


# --- retraction -----------------------------------------------------------------------------


def retraction_judge(a: Item, b: Item) -> Verdict | None:
    """A later admission by the same person withdraws an earlier claim on the same matter."""
    if a.kind != "statement" or b.kind != "statement" or a.speaker != b.speaker:
        return None
    later, earlier = (b, a) if b.order > a.order else (a, b)
    claims = [s for s in earlier.sentences if not (s.reported or _asserts_nothing(s))]
    if not later.retraction or not claims:
        return None  # questions and someone else's words claim nothing to take back
    shared = earlier.topic_words & later.topic_words
    overlap = len(shared) / max(1, min(len(earlier.topic_words), len(later.topic_words)))
    denial = f"{earlier.question or ''} {earlier.text}"
    acts = {act for act in earlier.negated_acts & later.asserted_acts
            if not _other_kind(act, denial, earlier.lang, later.text, later.lang)}
    score = min(1.0, overlap * 2 + (0.5 if acts else 0.0))
    if score <= 0:
        return None
    claim, admission = max(
        product(claims, later.sentences),
        key=lambda pair: len(_context(earlier, pair[0]) & _context(later, pair[1])),
    )
    return Verdict(
        "retraction", score,
        f"{later.ref} takes back what {earlier.ref} said: {quote_claim(claim.text, 50)} "
        f"against {quote_claim(admission.text, 50)}.",
        (_span(earlier, claim), _span(later, admission)),
    )


RULE_JUDGES = (polarity_judge, retraction_judge)
