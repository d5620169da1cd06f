"""Facts: what each statement and record says, with provenance (ref + span) and normalised values.

A case becomes a list of `Item`s (statements and evidence records), each split into sentences
that know whether they deny something, which families of acts they speak of, which people and
places they name, and which dates and amounts they contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tipline.analysis.amounts import find_amounts
from tipline.analysis.dates import day_context, find_dates
from tipline.analysis.lexicon import Lexicon, lexicon
from tipline.analysis.mentions import AmountMention, DateMention
from tipline.analysis.places import find_places
from tipline.analysis.text import has_han, is_chinese, split_sentences, without_purpose, words
from tipline.case import Case, Evidence, Person, Statement

_TITLES = frozenset(
    "mr mrs ms miss dr prof officer investigator inspector detective duty call handler "
    "integrity line contact consultant manager director chief head the".split()
)
_DENIAL_OPENING = {
    "en": re.compile(r"^\W*(?:no\b(?!\s+(?:comment|idea)\b)|never\b|nobody\b|nothing\b|none\b|"
                     r"not\b(?!\s+(?:much|many|a lot|properly|entirely|fully|clearly)\b)|"
                     r"i haven't|i didn't|i have not|i did not|i never)", re.IGNORECASE),
    # "不记得", "不清楚", "不方便说" open a hedge or a refusal, not a denial
    "zh": re.compile(r"^\W*(?:没有|没|从来没|从没|不是|不(?!记得|清楚|知道|太|好说|方便|想说)|"
                     r"绝对没有|我没)"),
}
_AFFIRM_OPENING = {
    "en": re.compile(r"^\W*(?:yes\b|yeah\b|yep\b|i did\b|i have\b|that's right|correct\b|"
                     r"okay\b|all right\b|fine\b)", re.IGNORECASE),
    "zh": re.compile(r"^\W*(?:有|是的|是|对|嗯|我承认|承认)"),
}


@dataclass(frozen=True)
class SentenceFacts:
    start: int
    end: int
    text: str
    negated: bool
    acts: frozenset[str]
    words: frozenset[str]
    people: frozenset[str]
    dates: tuple[DateMention, ...]
    amounts: tuple[AmountMention, ...]
    places: frozenset[str] = frozenset()
    denied_acts: frozenset[str] = frozenset()  # acts inside a negation's clause
    reported: bool = False  # someone else's words, told by the speaker ("he said that…")
    # which way of a two-way happening it tells (lexicon alternatives): ("leaving", "quit")
    accounts: frozenset[tuple[str, str]] = frozenset()

    @property
    def asserted_acts(self) -> frozenset[str]:
        return self.acts - self.denied_acts


@dataclass(frozen=True)
class Item:
    """A statement or an evidence record, read once for every judge."""

    ref: str
    kind: str  # "statement" | "evidence"
    text: str
    lang: str
    order: int
    anchor: datetime
    at: datetime | None
    speaker: str | None
    speaker_role: str | None
    question: str | None
    evidence_kind: str | None
    sentences: tuple[SentenceFacts, ...]
    words: frozenset[str]
    people: frozenset[str]
    actors: frozenset[str]  # who acts: the speaker, or the people an evidence record's fields name
    retraction: bool
    question_words: frozenset[str] = frozenset()
    question_acts: frozenset[str] = frozenset()
    question_people: frozenset[str] = frozenset()
    denies_question: bool = False  # an answer that opens with "no", "never", "没有"
    affirms_question: bool = False  # an answer that opens with "yes", "有", "是"
    # the day an answer is about (its question's, or the topic's); a record's `at`
    day: DateMention | None = None
    asks_when: bool = False  # its question asks "when": the answer dates the question's event
    fields: dict[str, Any] = field(default_factory=dict, compare=False)
    through: frozenset[str] = frozenset()  # named only through a thing of theirs (a plate)

    @property
    def negated_acts(self) -> frozenset[str]:
        own = frozenset(a for s in self.sentences for a in s.denied_acts)
        return own | self.question_acts if self.denies_question else own

    @property
    def asserted_acts(self) -> frozenset[str]:
        return frozenset(a for s in self.sentences for a in s.asserted_acts)

    @property
    def embedding_text(self) -> str:
        """An answer means little without its question; embed both."""
        return f"{self.question}\n{self.text}" if self.question else self.text

    @property
    def topic_words(self) -> frozenset[str]:
        """What the item is about: its own words and, for an answer, its question's."""
        return self.words | self.question_words

    @property
    def dates(self) -> tuple[DateMention, ...]:
        return tuple(d for s in self.sentences for d in s.dates)

    @property
    def amounts(self) -> tuple[AmountMention, ...]:
        return tuple(a for s in self.sentences for a in s.amounts)

    @property
    def places(self) -> frozenset[str]:
        return frozenset(p for s in self.sentences for p in s.places)


# A household named by its door ("602室住户", "304房老人"): the bare number names it too where it
# stands for a home ("楼上602的孙浩", "502和602之间"), not where it counts something.
_UNIT_ALIAS = re.compile(r"^(\d{2,5})(?:室|房|号房?)(?:住户|老人|的?住客|户主)$")
_UNIT_USE = r"(?=室|房|住户|的|家|和|与|跟|之间|[，。、；])"

# Letters and digits together, five or more: a number plate, a workstation, a case reference.
_IDENTIFIER = re.compile(
    r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Z])[A-Z0-9][A-Z0-9-]{3,}[A-Z0-9](?![\w-])")


class PeopleFinder:
    """Finds which people of the case a text names, by name, alias, surname or id."""

    def __init__(self, people: tuple[Person, ...]) -> None:
        self.patterns: list[tuple[str, re.Pattern[str]]] = []
        self.things: list[tuple[str, re.Pattern[str]]] = []  # see learn_identifiers
        for person in people:
            forms = {person.id}
            for name in person.names:
                forms.add(name)
                if not is_chinese(name):
                    parts = [p for p in re.findall(r"[A-Za-z][A-Za-z'.-]+", name)
                             if p.lower().strip(".") not in _TITLES and len(p) > 2]
                    forms.update(parts)
                elif len(name) == 3:
                    forms.add(name[1:])  # the given name, as colleagues say it
            escaped = sorted((re.escape(f) for f in forms if f.strip()), key=len, reverse=True)
            escaped += [re.escape(m.group(1)) + _UNIT_USE for name in person.names
                        if (m := _UNIT_ALIAS.match(name))]
            pattern = r"(?<![A-Za-z0-9])(?:" + "|".join(escaped) + r")(?![A-Za-z0-9])"
            self.patterns.append((person.id, re.compile(pattern)))

    def find(self, text: str) -> frozenset[str]:
        return frozenset(pid for pid, pattern in self.patterns if pattern.search(text))

    def find_through(self, text: str) -> frozenset[str]:
        """People a text names only through a thing of theirs (their car's plate)."""
        return frozenset(pid for pid, pattern in self.things if pattern.search(text)
                         ) - self.find(text)

    def learn_identifiers(self, texts: Iterable[str]) -> None:
        """A plate, a workstation, a reference ("7KLM294", "PLN-114") in a text that names one
        person is a thing of theirs wherever else it appears: a traffic camera that reads the
        plate of Kyle's car is about Kyle's car (not about where Kyle was). An identifier seen
        beside two people is no one's."""
        owners: dict[str, set[str]] = {}
        for text in texts:
            if people := self.find(text):
                for ident in _IDENTIFIER.findall(text):
                    owners.setdefault(ident, set()).update(people)
        for ident, who in owners.items():
            if len(who) == 1:
                pid = next(iter(who))
                pattern = r"(?<![A-Za-z0-9])" + re.escape(ident) + r"(?![A-Za-z0-9])"
                self.things.append((pid, re.compile(pattern)))


def build_items(case: Case) -> list[Item]:
    """Statements in the order they were said, then evidence records."""
    finder = PeopleFinder(case.people)
    finder.learn_identifiers([*(st.text for st in case.statements),
                              *(ev.text for ev in case.evidence)])
    known = {p.id for p in case.people}
    lex = lexicon()
    places = _places_by_sentence(case)
    items: list[Item] = []
    topic_day: DateMention | None = None  # the last day an interviewer's question named
    for order, st in enumerate(case.statements):
        item, named = _statement_item(case, st, order, finder, lex, places, topic_day)
        topic_day = named or topic_day
        items.append(item)
    for order, ev in enumerate(case.evidence, start=len(items)):
        items.append(_evidence_item(case, ev, order, finder, known, places))
    return items


# Control characters (a NUL in a JSON string, say) become spaces: offsets stay valid, and the
# native parsers underneath (Duckling) never see them.
_CONTROLS = {c: " " for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}


def sentence_facts(text: str, lang: str, anchor: datetime, finder: PeopleFinder,
                   places: dict[str, frozenset[str]] | None = None,
                   day: DateMention | None = None, record: bool = False
                   ) -> tuple[SentenceFacts, ...]:
    """`day`: the day the text is about when it does not say so itself (an answer's
    question names it), so that bare clock times land on that day. `record`: an evidence
    record, whose quotations are someone's words, not the record denying anything."""
    lex = lexicon()
    text = text.translate(_CONTROLS)
    dates = find_dates(text, lang, anchor, day)
    amounts = find_amounts(text, lang)
    if _has_both_scripts(text):  # a mixed statement: read each sentence in its own language
        other = "en" if lang == "zh" else "zh"
        seen = {(m.start, m.end) for m in dates} | {(m.start, m.end) for m in amounts}
        dates = dates + [d for d in find_dates(text, other, anchor, day)
                         if (d.start, d.end) not in seen]
        amounts = amounts + [a for a in find_amounts(text, other) if (a.start, a.end) not in seen]
    out: list[SentenceFacts] = []
    for sent in split_sentences(text):
        s_lang = ("zh" if is_chinese(sent.text) else "en") if _has_both_scripts(text) else lang
        said = without_purpose(sent.text) if s_lang == "en" else sent.text  # not what was meant
        own = _unquoted(said) if record else said
        acts, denied = _acts(said, s_lang, lex, own)
        if out and lex.refusal[s_lang].search(sent.text):
            denied |= _offered(out[-1].text, s_lang, lex)  # the offer just made
        out.append(SentenceFacts(
            start=sent.start, end=sent.end, text=sent.text,
            negated=bool(lex.negation[s_lang].search(own)),
            acts=acts, denied_acts=denied,
            words=frozenset(words(sent.text)),
            people=finder.find(sent.text),
            dates=tuple(d for d in dates if sent.start <= d.start < sent.end),
            amounts=tuple(a for a in amounts if sent.start <= a.start < sent.end),
            places=(places or {}).get(sent.text, frozenset()),
            reported=not record and bool(lex.reported[s_lang].search(sent.text)),
            accounts=frozenset((event, way) for event, ways in lex.alternatives.items()
                               for way, pats in ways.items() if pats[s_lang].search(sent.text)),
        ))
    return tuple(out)


def _offered(text: str, lang: str, lex: Lexicon) -> frozenset[str]:
    """The acts of an offer or request: what follows its last "asked me to", "要我" (else the
    whole sentence)."""
    cues = list(lex.offer[lang].finditer(text))
    return _acts(text[cues[-1].start():] if cues else text, lang, lex)[0]


# A negation denies the acts of its own clause: "They paid me, but I only ever sent fakes" denies
# no payment. English denies what follows the negator ("never received a cent"); Chinese often
# fronts the object ("一分钱也没给他"), so the whole clause counts.
_CLAUSE_END = re.compile(
    r"[,;:.!?，。；：！？、]|\b(?:but|although|though|whereas)\b|但是|但|可是|不过")


def _acts(text: str, lang: str, lex: Lexicon, own: str | None = None
          ) -> tuple[frozenset[str], frozenset[str]]:
    """(act families the sentence speaks of, those of them inside a negation's scope).
    `own`: the text with quotations blanked, where negations count (same offsets)."""
    found = {name: [m.start() for m in pats[lang].finditer(text)
                    if not _EVERY.search(text, 0, m.start())]
             for name, pats in lex.acts.items()}
    acts = frozenset(name for name, starts in found.items() if starts)
    scopes = []
    for neg in lex.negation[lang].finditer(own if own is not None else text):
        end = _CLAUSE_END.search(text, neg.end())
        start = neg.start()
        if lang == "zh":
            before = [m.end() for m in _CLAUSE_END.finditer(text, 0, neg.start())]
            start = before[-1] if before else 0
        scopes.append((start, end.start() if end else len(text)))
    denied = frozenset(name for name, starts in found.items()
                       if any(lo <= at < hi for at in starts for lo, hi in scopes))
    return acts, denied


# An act named as "every download or print" is how a system works, not something that happened.
_EVERY = re.compile(r"\b(?:every|each)\s+(?:\w+\s+or\s+)?$", re.IGNORECASE)

_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|「[^」]*」|『[^』]*』")


def _unquoted(text: str) -> str:
    """The text with quoted passages blanked out, offsets kept."""
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _has_both_scripts(text: str) -> bool:
    return has_han(text) and len(_LATIN_WORD.findall(text)) >= 3


def _lang(case: Case, text: str) -> str:
    if case.language in ("en", "zh"):
        return case.language
    return "zh" if is_chinese(text) else "en"


def _places_by_sentence(case: Case) -> dict[str, frozenset[str]]:
    """Places for every sentence of the case, found in one batch per language."""
    by_lang: dict[str, set[str]] = {"en": set(), "zh": set()}
    texts = [s.text for s in case.statements] + [e.text for e in case.evidence]
    for text in texts:
        by_lang[_lang(case, text)].update(
            s.text for s in split_sentences(text.translate(_CONTROLS)))
    out: dict[str, frozenset[str]] = {}
    for lang, sentences in by_lang.items():
        ordered = sorted(sentences)
        out.update(zip(ordered, find_places(ordered, lang), strict=True))
    return out


_ASKS_WHEN = re.compile(r"\b(?:when|what time|what date|which day|what day|how long ago)\b|"
                        r"什么时候|几号|哪天|哪一天|几点|何时|什么时间|哪个月|哪年|哪一年",
                        re.IGNORECASE)


def _statement_item(case: Case, st: Statement, order: int, finder: PeopleFinder, lex: Lexicon,
                    places: dict[str, frozenset[str]], topic_day: DateMention | None
                    ) -> tuple[Item, DateMention | None]:
    """The item, and the day its question names (if any). An answer whose question names no
    day ("You told us you were home all evening. Do you want to change that?") is about the
    day the interview was last about, not the day of the interview."""
    lang = _lang(case, st.text)
    question = st.question or ""
    q_lang = "zh" if is_chinese(question) else "en"
    named = day_context(find_dates(question, q_lang, case.anchor(st), topic_day)) \
        if question else None  # a question's own bare "all evening" is about that day too
    day = named or (topic_day if question else None)
    sentences = sentence_facts(st.text, lang, case.anchor(st), finder, places, day)
    people = set(finder.find(st.text))
    if lex.first_person[lang].search(st.text):
        people.add(st.by)
    speaker = case.person(st.by)
    return Item(
        ref=st.id, kind="statement", text=st.text, lang=lang, order=order,
        anchor=case.anchor(st), at=case.local(st.at), speaker=st.by,
        speaker_role=speaker.role if speaker else None, question=st.question,
        evidence_kind=None, sentences=sentences,
        words=frozenset(w for s in sentences for w in s.words), people=frozenset(people),
        actors=frozenset({st.by}), retraction=bool(lex.retraction[lang].search(st.text)),
        question_words=frozenset(words(question)) if question else frozenset(),
        question_acts=frozenset(
            n for n, pats in lex.acts.items() if question and pats[q_lang].search(question)),
        question_people=finder.find(question) if question else frozenset(),
        denies_question=bool(question and _DENIAL_OPENING[lang].search(st.text)),
        affirms_question=bool(question and _AFFIRM_OPENING[lang].search(st.text)), day=day,
        asks_when=bool(question and _ASKS_WHEN.search(question)),
    ), named


def _evidence_item(case: Case, ev: Evidence, order: int, finder: PeopleFinder, known: set[str],
                   places: dict[str, frozenset[str]]) -> Item:
    lang = _lang(case, ev.text)
    sentences = sentence_facts(ev.text, lang, case.anchor(ev), finder, places, record=True)
    actors = _field_people(ev.fields, known, finder)
    at = case.local(ev.at)
    return Item(
        ref=ev.id, kind="evidence", text=ev.text, lang=lang, order=order,
        anchor=case.anchor(ev), at=at, speaker=None, speaker_role=None,
        question=None, evidence_kind=ev.kind, sentences=sentences,
        words=frozenset(w for s in sentences for w in s.words),
        people=frozenset(finder.find(ev.text) | actors), actors=frozenset(actors),
        through=finder.find_through(ev.text) - actors,
        retraction=False, fields=ev.fields, day=_record_day(at) if at else None,
    )


def _record_day(at: datetime) -> DateMention:
    """A record's `at` as a mention: the time of what it records where its text names none
    ("First message on record between…", at 2024-10-21), as the timeline reads it too."""
    whole_day = at.time() == datetime.min.time()
    return DateMention(0, 0, "the record's date", at,
                       at + (timedelta(days=1) if whole_day else timedelta(minutes=1)),
                       "day" if whole_day else "minute")


def _field_people(value: Any, known: set[str], finder: PeopleFinder) -> set[str]:
    """People an evidence record's structured fields name, by id or by name."""
    if isinstance(value, dict):
        return {p for v in value.values() for p in _field_people(v, known, finder)}
    if isinstance(value, list):
        return {p for v in value for p in _field_people(v, known, finder)}
    if isinstance(value, str):
        return {value} if value in known else set(finder.find(value))
    return set()
