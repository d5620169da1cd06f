"""Judges: small rules that each look at one pair of items and say how strongly, and why, the
two cannot both be true. The combiner (scoring.py) weighs their votes into one score."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from itertools import product
from typing import NamedTuple

from tipline.analysis.counts import CountMention
from tipline.analysis.facts import Item, SentenceFacts
from tipline.analysis.lexicon import lexicon
from tipline.analysis.mentions import (
    AmountMention,
    DateMention,
    intervals_disjoint,
    ranges_disjoint,
)
from tipline.analysis.text import words

_ACT_NAMES = {
    "money": "money changing hands", "contact": "contact between the people",
    "give": "handing something over", "presence": "being at a place", "take": "taking something",
    "harm": "someone being hurt", "dispute": "a quarrel between them",
    "dumping": "getting rid of something", "stake": "a part in the business",
    "handling": "working on it by hand",
}
_FIRST_EVENT = {
    "first", "earliest", "start", "began", "begin", "首次", "第一次", "最早", "开始", "头一回",
}


@dataclass(frozen=True)
class Verdict:
    judge: str
    score: float
    reason: str
    spans: tuple[tuple[str, int, int], ...] = ()  # (ref, start, end)


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split()).rstrip("。．.!！?？;；,，")
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _span(item: Item, s: SentenceFacts) -> tuple[str, int, int]:
    return (item.ref, s.start, s.end)


def _context(item: Item, s: SentenceFacts) -> frozenset[str]:
    """What a sentence is about: its words, and for an answer the question's words too."""
    return s.words | item.question_words


def _shared(sa: SentenceFacts, sb: SentenceFacts, a: Item, b: Item) -> frozenset[str]:
    """Content words two sentences share, numbers and units left out."""
    return frozenset(w for w in _context(a, sa) & _context(b, sb) if not _NUMBERISH.search(w))


_NUMBERISH = re.compile(r"\d|^(?:thousand|hundred|million|grand|yuan|pound|euro|dollar|quid|"
                        r"万|元|块|千|百)")


# --- amounts --------------------------------------------------------------------------------


def _totals(amounts: Iterable[AmountMention]) -> list[AmountMention]:
    """Each amount, plus the sum of several: "30,000 + 50,000" agrees with "80,000"."""
    found = list(amounts)
    if len(found) > 1 and len({m.currency for m in found if m.currency}) <= 1:
        lo, hi = sum(m.lo for m in found), sum(m.hi for m in found)
        total = AmountMention(0, 0, "the total", lo, hi, found[0].currency, True)
        found.append(total)
    return found


_EN_RATE = re.compile(r"^\s*(?:a|an|per|each|every)\s+(?!few\b|couple\b|lot\b|bit\b|total\b)"
                      r"[a-z]+\b", re.IGNORECASE)
_ZH_RATE_BEFORE = re.compile(r"每[^，。；：,;:]{0,3}$")


def _sums(item: Item, amounts: Iterable[AmountMention]) -> list[AmountMention]:
    """Amounts that are sums, not rates ("500 a box", "a couple of grand a week", "每月三千"):
    a rate says nothing about a total."""
    return [m for m in amounts
            if not _EN_RATE.match(item.text[m.end:])
            and not _ZH_RATE_BEFORE.search(item.text[max(0, m.start - 4):m.start])
            and item.text[m.end:m.end + 1] != "/"]


def amount_judge(a: Item, b: Item) -> Verdict | None:
    """Two amounts for the same money that cannot overlap, even with a 15% margin."""
    all_sums_a, all_sums_b = _sums(a, a.amounts), _sums(b, b.amounts)
    a_all, b_all = _totals(all_sums_a), _totals(all_sums_b)
    for sa, sb in product(a.sentences, b.sentences):
        sums_a = [m for m in sa.amounts if m in all_sums_a]
        sums_b = [m for m in sb.amounts if m in all_sums_b]
        if not sums_a or not sums_b:
            continue
        shared = _shared(sa, sb, a, b)
        same_money = "money" in (sa.acts | a.question_acts) & (sb.acts | b.question_acts)
        if (not shared and not (sa.people & sb.people)) or _asked(a, sa) != _asked(b, sb):
            continue  # what was asked for is not what was paid ("意思是五万" / "那八万你不退")
        strength = 1.0 if same_money else 0.3
        for ma in sums_a:
            if any(not ranges_disjoint(ma, mb, 0.15) for mb in b_all):
                continue
            for mb in sums_b:
                if any(not ranges_disjoint(ma_, mb, 0.15) for ma_ in a_all):
                    continue
                return Verdict(
                    "amounts", strength,
                    f"{a.ref} puts the amount at {ma.text} ({_range(ma)}); "
                    f"{b.ref} gives {mb.text} ({_range(mb)}).",
                    (_span(a, sa), _span(b, sb)),
                )
    return None


_DEMAND = re.compile(
    r"索要|索贿|开价|暗示要|提出要|要钱|伸出|狮子大开口|"
    r"\b(?:asked (?:me |us )?for|demand(?:ed|ing|s)?|solicit\w*|asking price|wanted)\b",
    re.IGNORECASE)


def _asked(item: Item, s: SentenceFacts) -> bool:
    """The sentence's amounts are what someone asked for (or its question asks about a
    demand: "怎么提出要钱的？"), not what changed hands."""
    return bool(_DEMAND.search(s.text) or (item.question and _DEMAND.search(item.question)))


def _range(m: AmountMention) -> str:
    cur = f" {m.currency}" if m.currency else ""
    if m.lo == m.hi:
        return f"{m.lo:,.0f}{cur}"
    return f"{m.lo:,.0f}–{m.hi:,.0f}{cur}"


# --- counts ---------------------------------------------------------------------------------


_GENERIC_UNITS = frozenset("个次人名位")


def _unit_totals(counts: Iterable[CountMention], unit: str) -> set[float]:
    """The values an item gives for one unit, and their sum ("二十只…又借了二十八只" = 48)."""
    values = [c.value for c in counts if c.unit == unit]
    return set(values) | ({sum(values)} if len(values) > 1 else set())


def count_judge(a: Item, b: Item) -> Verdict | None:
    """Two different numbers of the same things ("一共48只" against "只有20只小鼠")."""
    a_counts = [c for s in a.sentences for c in s.counts]
    b_counts = [c for s in b.sentences for c in s.counts]
    for sa, sb in product(a.sentences, b.sentences):
        for ca, cb in product(sa.counts, sb.counts):
            if ca.unit != cb.unit or (ca.thing and cb.thing and ca.thing != cb.thing):
                continue
            if _document_says(a, sa, ca.start) or _document_says(b, sb, cb.start):
                continue  # "论文写的是共48只，但据我所知…只买了二十来只": the paper's number
            if (ca.value in _unit_totals(b_counts, ca.unit)
                    or cb.value in _unit_totals(a_counts, cb.unit)):
                continue
            shared = _shared(sa, sb, a, b)
            same_thing = bool(ca.thing and ca.thing == cb.thing)
            if not shared or (ca.unit in _GENERIC_UNITS and not same_thing and len(shared) < 2):
                continue
            return Verdict(
                "counts", 1.0 if same_thing or len(shared) >= 3 else 0.5,
                f"{a.ref} counts {ca.text}; {b.ref} {cb.text}.",
                (_span(a, sa), _span(b, sb)),
            )
    return None


_DOCUMENT_SAYS = re.compile(
    r"(?:论文|文章|报告|报表|表格|文件|材料|记录)[上里中]?(?:写的是|写着|写的|称|显示)|"
    r"\b(?:the|their|his|her|its) (?:paper|report|article|table|filing|application) "
    r"(?:says|said|states|stated|claims|claimed|reports|reported|gives|gave)\b", re.IGNORECASE)
_CONTRAST = re.compile(r"但|可是|不过|\bbut\b|\bhowever\b", re.IGNORECASE)


def _document_says(item: Item, s: SentenceFacts, at: int) -> bool:
    """The number at `at` is what a document says ("论文写的是四组共48只"), which the speaker
    reports and goes on to dispute, not their own count."""
    before = item.text[s.start:at]
    cues = list(_DOCUMENT_SAYS.finditer(before))
    return bool(cues) and not _CONTRAST.search(before, cues[-1].end())


# --- dates ----------------------------------------------------------------------------------


class _DatedSentence(NamedTuple):
    """A sentence with times, read once per item: its dates, each with the acts it is the time
    of, whether it tells a first time, and what its dates are about."""

    sentence: SentenceFacts
    dates: tuple[tuple[DateMention, frozenset[str]], ...]
    begins: bool
    acts: frozenset[str]
    words: frozenset[str]


def _dated_sentences(item: Item) -> list[_DatedSentence]:
    out = []
    for s in item.sentences:
        if dates := _sentence_dates(item, s):
            acts = _dated_acts(item, s)
            out.append(_DatedSentence(
                s, tuple((d, _clause_acts(item, s, d, acts)) for d in dates), _begins(item, s),
                acts, frozenset(w for w in _dated_words(item, s) if not _NUMBERISH.search(w))))
    return out


def date_judge(a: Item, b: Item) -> Verdict | None:
    """The same event placed at times that cannot overlap (e.g. the first contact), a
    beginning ("paying me since last autumn") well before the first time the other names, or
    a record of the act well before what a statement calls the first time."""
    best: Verdict | None = None
    involved = bool((a.people | a.actors | a.question_people) & (b.people | b.actors))
    for x, y in product(_dated_sentences(a), _dated_sentences(b)):
        sa, sb = x.sentence, y.sentence
        shared = x.words & y.words
        first = x.begins and y.begins
        implied = not sa.dates or not sb.dates  # a record's date: only for "the first time"
        for (da, ca), (db, cb) in product(x.dates, y.dates):
            same_act = bool(ca & cb)
            if _other_sums(a, sa, da, b, sb, db):
                continue  # "五万是一月中旬，三万是三月初": each date goes with its own payment
            # "once in October and once in November" against 5 October and 16 November: each
            # date meets one on the other side, so the two agree
            covered = (any(not intervals_disjoint(da, d) for d, _ in y.dates)
                       and any(not intervals_disjoint(db, d) for d, _ in x.dates))
            later = (x.begins and not y.begins and db.lo >= da.hi) or (
                y.begins and not x.begins and da.lo >= db.hi)  # after the first time: no news
            if (same_act and (first or (shared and not implied and not later))
                    and intervals_disjoint(da, db) and not covered):
                strong, began = first or len(shared) >= 3, False
            elif _out_of_order(_Dated(a, da, x.begins, x.acts), _Dated(b, db, y.begins, y.acts),
                               same_act and involved):
                strong, began = True, True  # a beginning or a first time that came later
            else:
                continue  # two times of two different happenings are no conflict
            score = 1.0 if strong else 0.3
            if best is None or score > best.score:
                said = (f"{a.ref} {{}} {da.text} ({_interval(da)}); "
                        f"{b.ref} {{}} {db.text} ({_interval(db)}).")
                reason = ("They disagree on when it began: " + said.format("says", "says")
                          if began else said.format("dates it to", "to"))
                best = Verdict("dates", score, reason, (_span(a, sa), _span(b, sb)))
    return best


_SINCE_SLACK = timedelta(days=60)
_DEALINGS = frozenset({"contact", "money", "give"})  # none comes before a first contact
# Clause breaks; a comma or full stop inside a number ("50,000", "1.2万") breaks nothing.
_CLAUSE_BREAK = re.compile(r"(?<!\d)[,.](?!\d)|[;:，；：。!?！？]")
_UNTIL = re.compile(r"(?:\buntil|\btill|到)\s*$", re.IGNORECASE)


def _sentence_dates(item: Item, s: SentenceFacts) -> tuple[DateMention, ...]:
    """The times a sentence places things at; a record's undated sentence is at the record's
    date. An end ("绑到第二天早上", "until I clocked out at six") is when a state stopped, not
    when the thing happened."""
    own = tuple(d for d in s.dates if not _UNTIL.search(item.text[max(0, d.start - 6):d.start]))
    return own or ((item.day,) if item.kind == "evidence" and item.day and not s.dates else ())


def _clause_amounts(item: Item, s: SentenceFacts, d: DateMention) -> list[AmountMention]:
    """The sums a date is the time of: those of its clause where the sentence has several
    dates, else all of the sentence's ("2025年1月15日，公司转账50,000元")."""
    if len(s.dates) == 1:
        return list(s.amounts)
    lo, hi = _clause(item, s, d)
    return [m for m in s.amounts if lo <= m.start < hi]


def _clause(item: Item, s: SentenceFacts, d: DateMention) -> tuple[int, int]:
    """Where the clause around a date begins and ends in the item's text."""
    lo = max((m.end() for m in _CLAUSE_BREAK.finditer(item.text, s.start, d.start)),
             default=s.start)
    end = _CLAUSE_BREAK.search(item.text, d.end, s.end)
    return lo, end.start() if end else s.end


def _other_sums(a: Item, sa: SentenceFacts, da: DateMention, b: Item, sb: SentenceFacts,
                db: DateMention) -> bool:
    """Both dates go with sums of money, and different ones: two payments, not one."""
    ma, mb = _clause_amounts(a, sa, da), _clause_amounts(b, sb, db)
    return bool(ma and mb) and all(ranges_disjoint(x, y) for x, y in product(ma, mb))


def _begins(item: Item, s: SentenceFacts) -> bool:
    """Says when an act first happened: "the first time money was mentioned", or the answer to
    "When did he first offer you money?" ("How did you first notice?" names no act)."""
    return bool(_FIRST_EVENT & s.words and s.acts) or bool(
        _FIRST_EVENT & item.question_words and item.question_acts)


class _Dated(NamedTuple):
    """One side of a date comparison."""

    item: Item
    date: DateMention
    begins: bool  # the sentence says this is when the act first happened
    acts: frozenset[str]  # the acts the sentence's dates are the time of


def _out_of_order(x: _Dated, y: _Dated, related: bool) -> bool:
    """A first time or a beginning that the other side's time comes well before."""
    if (x.acts & y.acts and (x.begins or x.date.precision == "since")
            and (y.begins or y.date.precision == "since") and _starts_apart(x.date, y.date)):
        return True
    return any((related and _record_before_first(p, q)) or _dealing_before_first_contact(p, q)
               for p, q in ((x, y), (y, x)))


def _starts_apart(da: DateMention, db: DateMention) -> bool:
    """"Paying me since last autumn" against "mid-August was the first time": a beginning said
    with "since" and a first time well after it (two months' slack for a vague start)."""
    for since, other in ((da, db), (db, da)):
        if since.precision == "since" and other.precision != "since":
            return other.lo - since.lo > _SINCE_SLACK
    return False


def _record_before_first(stated: _Dated, record: _Dated) -> bool:
    """A statement calls something the first time ("mid-August was the first time money was
    mentioned") and a record shows it well before (transfers from January): a record need not
    say "first" to show an earlier time."""
    return (stated.item.kind == "statement" and record.item.kind == "evidence"
            and stated.begins and not record.begins
            and stated.date.lo - record.date.lo > _SINCE_SLACK)


def _dealing_before_first_contact(first: _Dated, other: _Dated) -> bool:
    """"The first approach was around Easter" against "he has been paying me since last
    autumn": no dealing between two people comes before their first contact. (The reverse,
    a first payment after an earlier approach, is the usual order and no conflict.)"""
    return (first.begins and "contact" in first.acts and bool(other.acts & _DEALINGS)
            and first.date.lo - other.date.lo > _SINCE_SLACK)


def _dated_acts(item: Item, s: SentenceFacts) -> frozenset[str]:
    """The acts a sentence's dates are the time of. In the answer to "when did you see the
    discharge?" ("3月8号，星期六。…我一个人去收的地笼"), the date is the time of the question's
    event and of what the answer goes on to tell."""
    if not item.asks_when:
        return s.acts
    return s.acts | item.question_acts | item.asserted_acts  # not "nothing about money then"


_FILLER = re.compile(r"[\W\d_]+|\b(?:in|on|at|of|the|a|an|by|around|about|from|to|and|"
                     r"that|this|last|was|it|then)\b|[在于是的了那这就大概约]", re.IGNORECASE)


def _clause_acts(item: Item, s: SentenceFacts, d: DateMention, sentence_acts: frozenset[str]
                 ) -> frozenset[str]:
    """The acts a date is the time of: those of its own clause where the clause says more
    than the date ("…，结果他三月份调走了，…" dates a transfer, not the money elsewhere in the
    sentence), else the sentence's (`sentence_acts`: "今年年初，我公司…")."""
    if d.start == d.end or len(s.dates) > 1:
        return sentence_acts
    lo, hi = _clause(item, s, d)
    rest = _FILLER.sub("", item.text[lo:d.start] + item.text[d.end:hi])
    label = item.text[s.start:lo].rstrip()  # "微信记录：2025年3月22日…"
    opens = not _FILLER.sub("", item.text[lo:d.start]) and (not label or label[-1] in ":：")
    if len(rest) <= 3 or (lo == s.start and hi == s.end) or opens:
        return sentence_acts  # "上个月我看了直播，加了他的微信，…": the opening time dates it all
    return _acts_in(item.text[lo:hi], item.lang) | (
        item.question_acts if item.asks_when else frozenset())


@lru_cache(maxsize=1 << 16)
def _acts_in(text: str, lang: str) -> frozenset[str]:
    """The act families a text names (cached: a clause is read once per pair it is in)."""
    return frozenset(n for n, pats in lexicon().acts.items() if pats[lang].search(text))


def _dated_words(item: Item, s: SentenceFacts) -> frozenset[str]:
    """What a sentence's dates are about: its context, or a when-answer's whole topic."""
    return item.topic_words if item.asks_when else _context(item, s)


def _interval(d: DateMention) -> str:
    if d.precision in ("day", "minute", "hour"):
        return d.lo.strftime("%Y-%m-%d %H:%M" if d.precision != "day" else "%Y-%m-%d")
    if d.precision == "month":
        return d.lo.strftime("%Y-%m")
    if d.precision == "year":
        return d.lo.strftime("%Y")
    return f"{d.lo:%Y-%m-%d}..{d.hi:%Y-%m-%d}"


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
                    act = _ACT_NAMES[sorted(shared_acts)[0]]
                    best = Verdict(
                        "polarity", score,
                        f"{denier.ref} denies {act} ({_quote(neg.text)}); "
                        f"{asserter.ref} says it happened ({_quote(pos.text)}).",
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
                    f"true: {_quote(sa.text)} against {_quote(sb.text)}.",
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
        f"{later.ref} takes back what {earlier.ref} said: {_quote(claim.text, 50)} "
        f"against {_quote(admission.text, 50)}.",
        (_span(earlier, claim), _span(later, admission)),
    )


# --- places ---------------------------------------------------------------------------------


def place_judge(a: Item, b: Item) -> Verdict | None:
    """The same person at two different places at overlapping times, or said to be away from
    a place ("I didn't go back to the office") where the other side puts them then."""
    if not (a.actors & b.actors):
        return None
    for sa, sb in product(a.sentences, b.sentences):
        # an answer's sentence with no time of its own is about the day its question asks about
        dates_a = sa.dates or ((a.day,) if a.day else ())
        dates_b = sb.dates or ((b.day,) if b.day else ())
        if (not sa.places or not sb.places or not dates_a or not dates_b
                or not _puts_actor_there(a, sa) or not _puts_actor_there(b, sb)):
            continue
        if all(intervals_disjoint(x, y) for x, y in product(dates_a, dates_b)):
            continue
        same = _places_match(sa.places, sb.places)
        where_a, where_b = sorted(sa.places)[0], sorted(sb.places)[0]
        if not sa.negated and not sb.negated and not same:
            reason = f"{a.ref} puts them at {where_a}; {b.ref} at {where_b} at the same time."
        elif sa.negated != sb.negated and same:
            away, there = (a, b) if sa.negated else (b, a)
            if "presence" not in (sa if sa.negated else sb).acts:
                continue
            place = where_a if sa.negated else where_b
            reason = (f"{away.ref} says they were not at {place} then; {there.ref} puts them "
                      "there at that time.")
        else:
            continue
        return Verdict("places", 0.8, reason, (_span(a, sa), _span(b, sb)))
    return None


def _puts_actor_there(item: Item, s: SentenceFacts) -> bool:
    """A statement places its speaker where it speaks of itself ("I saw…", "we were at…"), or
    in the first words of an answer ("Where were you?" "At the hearing."); "someone clipped it
    in a parking lot" places someone else."""
    return (item.kind == "evidence" or bool(_SELF_SUBJECT[item.lang].search(s.text))
            or (item.question is not None and s is item.sentences[0]))


def _places_match(x: frozenset[str], y: frozenset[str]) -> bool:
    return any(p in q or q in p for p in x for q in y) or bool(
        {w for p in x for w in words(p)} & {w for q in y for w in words(q)})


RULE_JUDGES = (amount_judge, count_judge, date_judge, polarity_judge, retraction_judge, place_judge)
