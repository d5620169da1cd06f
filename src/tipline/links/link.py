"""Linking people and cases across an archive: blocking, explainable scores, reasons.

Two records are compared only when they share a *block key*: an identifier, a compact
spelling of a name in any order or script, or one name token plus the initials of the
others (so one typo leaves at least one key intact). Keys shared by more than
`max_block` records (a very common name, a hotline's own phone number) are dropped:
such a key says little, and dropping it is what keeps the work near-linear in the archive's
size. Each candidate pair gets a log-odds score from one named weight per feature
(`WEIGHTS`), so every score can be read back as the reasons that made it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from tipline.links.extract import CaseRecords, PersonRecord
from tipline.links.identifiers import ACCOUNT, CARD, COMPANY, EXACT_KINDS, IBAN, Identifier
from tipline.links.names import NameForms, name_forms

# Log-odds contributions; fitted by eye on bench/links_bench.py's synthetic archive (10k),
# then checked at 100k. `prior` is the odds that two records sharing a block key are one
# person before anything is compared.
WEIGHTS: dict[str, float] = {
    "prior": -3.0,
    "name_exact": 7.5,            # a compact spelling agrees (any order, any script)
    "name_fuzzy": 60.0,           # per unit of edit similarity above `FUZZY_FLOOR`
    "name_crowded": -1.5,         # per doubling of a fuzzy name's neighbours beyond CROWD
    "homophone": -3.0,            # same pinyin, different characters (张伟 / 张薇)
    "name_common": -2.0,          # per doubling of the people who go by the name
    "identifier": 12.0,           # a phone, e-mail, handle, plate (or account) agrees
    "names_disagree": -10.0,      # an account agrees but the names are unalike
    "identifier_conflict": -1.5,  # both give a phone (or e-mail) and none agrees
    "second_name": 1.0,           # a second name (an alias) agrees as well
}
FUZZY_FLOOR = 0.8
CROWD = 8  # a typo among this many similar names is still telling
THRESHOLD = 0.5
MAX_BLOCK = 100
MAX_CASES_PER_KEY = 50
_HOUSEHOLD_KINDS = frozenset({ACCOUNT, CARD, IBAN})  # often shared by family or firm


@dataclass(frozen=True)
class PersonMatch:
    """Two records judged to be one person, with the score and the fields that agreed."""

    a: PersonRecord
    b: PersonRecord
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reason:
    """Why two cases link. Besides the text, the parts (each aligned with the link's `a` and
    `b`) let a caller word it from one case's side: `who` are the people ("the reporter
    (P1)") when a person matched, `refs` the records that mention a shared `detail`."""

    text: str
    score: float
    detail: str = ""
    who: tuple[str, str] | None = None
    refs: tuple[str, str] | None = None


@dataclass(frozen=True)
class CaseLink:
    a: str
    b: str
    score: float
    reasons: tuple[Reason, ...]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class _Prepared:
    """A record's comparable parts, computed once."""

    __slots__ = ("crowd", "forms", "ids", "kinds", "record")

    def __init__(self, record: PersonRecord, extra_ids: Iterable[Identifier] = ()) -> None:
        self.record = record
        self.forms: list[NameForms] = [f for n in record.names if (f := name_forms(n))]
        ids = [i for i in (*record.identifiers, *extra_ids) if i.kind in EXACT_KINDS
               or i.kind.startswith("blind:")]
        self.ids = {(i.kind, i.value): i for i in ids}
        self.kinds = {i.kind for i in ids}
        self.crowd = 1  # records in this name's least crowded token block


def _token_groupings(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    groups = [tokens]
    if len(tokens) > 2:
        groups.append((tokens[0], "".join(tokens[1:])))
        groups.append(("".join(tokens[:-1]), tokens[-1]))
    return groups


def name_block_keys(form: NameForms) -> set[str]:
    keys = {f"c:{c}" for c in form.compacts}
    for tokens in _token_groupings(form.tokens):
        if len(tokens) < 2:
            continue
        for i, token in enumerate(tokens):
            if len(token) >= 2:
                initials = "".join(sorted(t[0] for j, t in enumerate(tokens) if j != i))
                keys.add(f"t:{token}|{initials}")
    return keys


def _name_similarity(a: _Prepared, b: _Prepared,
                     counts: dict[str, int]) -> tuple[float, int, str, int, bool]:
    """Best similarity over both records' names: (similarity, how common, why, names
    agreeing, whether the best agreement is only in sound: two different Chinese spellings)."""
    best, common, why, agreeing, homophone = 0.0, 1, "", 0, False
    for fa in a.forms:
        for fb in b.forms:
            shared = fa.compacts & fb.compacts
            if shared:
                agreeing += 1
                count = min(counts.get(c, 1) for c in shared)
                script = " (across scripts)" if fa.cjk != fb.cjk else ""
                sound_only = fa.cjk and fb.cjk and fa.written != fb.written
                if best < 1.0 or (homophone and not sound_only) or count < common:
                    best, common, homophone = 1.0, count, sound_only
                    why = f"name {fa.written} = {fb.written}{script}" + (
                        " (same pinyin, different characters)" if sound_only else "")
                continue
            sim = max(OSA.normalized_similarity(x, y)
                      for x in fa.compacts for y in fb.compacts)
            if sim > best:
                best = sim
                common = max(min(counts.get(c, 1) for c in fa.compacts),
                             min(counts.get(c, 1) for c in fb.compacts))
                why = f"name {fa.written} ~ {fb.written} ({sim:.2f})"
    return best, common, why, agreeing, homophone


_CONTACT_KINDS = frozenset({"phone", "email", "blind:phone", "blind:email"})
RECORDS_PER_PERSON = 4


def _people_per_name(records: dict[str, int],
                     contacts: dict[str, set[tuple[str, str]]]) -> dict[str, int]:
    """How many different people go by each name, estimated from the archive itself.

    A name is only as telling as it is rare *among people*, not among records: one person
    reported six times is one name-holder. Different phones (or e-mail addresses) under
    one name are different holders; without them, records are assumed to come
    RECORDS_PER_PERSON to a person.
    """
    out: dict[str, int] = {}
    for name, count in records.items():
        phones = sum(1 for kind, _ in contacts[name] if kind.endswith("phone"))
        emails = len(contacts[name]) - phones
        out[name] = max(phones, emails, math.ceil(count / RECORDS_PER_PERSON), 1)
    return out


def _commonness(people: int) -> float:
    """Doublings of the people who go by a name (one holder: none)."""
    return math.log2(max(people, 1))


def pair_features(a: _Prepared, b: _Prepared, counts: dict[str, int]
                  ) -> tuple[dict[str, float], tuple[str, ...]]:
    """What two records share, as one value per named weight, and the reasons, strongest
    first."""
    reasons: list[str] = []
    f: dict[str, float] = {}
    shared = sorted(set(a.ids) & set(b.ids))
    sim, common, why, agreeing, homophone = _name_similarity(a, b, counts)
    if sim >= 1.0:
        f["name_exact"] = 1.0
        f["name_common"] = _commonness(common)
        f["homophone"] = float(homophone)
        f["second_name"] = float(agreeing > 1)
        reasons.append(why + (f", shared by {common} records" if common > 2 else ""))
    elif sim >= FUZZY_FLOOR:
        f["name_fuzzy"] = sim - FUZZY_FLOOR
        f["name_common"] = _commonness(common)
        f["name_crowded"] = math.log2(max(a.crowd, b.crowd, CROWD) / CROWD)
        reasons.append(why)
    if shared:
        f["identifier"] = 1.0
        for key in shared:
            reasons.insert(0, f"same {key[0]} {a.ids[key].display}")
        if all(k[0] in _HOUSEHOLD_KINDS for k in shared) and sim < FUZZY_FLOOR:
            f["names_disagree"] = 1.0
            reasons.append("but the names are unalike")
    for kind in ("phone", "email"):
        if kind in a.kinds and kind in b.kinds and not any(k[0] == kind for k in shared):
            f["identifier_conflict"] = f.get("identifier_conflict", 0.0) + 1.0
            reasons.append(f"different {kind}s")
    return f, tuple(reasons)


def score_pair(a: _Prepared, b: _Prepared, counts: dict[str, int],
               weights: dict[str, float] = WEIGHTS) -> tuple[float, tuple[str, ...]]:
    """The probability that two records are one person, and the reasons, strongest first."""
    features, reasons = pair_features(a, b, counts)
    logit = weights["prior"] + sum(weights[k] * v for k, v in features.items())
    return _logistic(logit), reasons


def match_people(records: Sequence[PersonRecord], *, threshold: float = THRESHOLD,
                 max_block: int = MAX_BLOCK, blind_key: bytes | None = None,
                 weights: dict[str, float] = WEIGHTS, focus: str | None = None
                 ) -> list[PersonMatch]:
    """Pairs of records (from different cases) that are one person, best first.

    With `blind_key`, every identifier is also compared by its blind index, so a record
    whose identity is sealed (it carries only blinded identifiers) still matches. With
    `focus` (a case id), only pairs with one record in that case are compared: the same
    pairs, with the same scores, as the whole archive's matching gives for that case.
    """
    from tipline.links.blind import blind_identifiers

    prepared = [
        _Prepared(r, blind_identifiers(blind_key, r.identifiers) if blind_key else ())
        for r in records
    ]
    records_by_name: dict[str, int] = defaultdict(int)
    ids_by_name: dict[str, set[tuple[str, str]]] = defaultdict(set)
    blocks: dict[str, list[int]] = defaultdict(list)
    focus_keys: set[str] = set()
    for index, item in enumerate(prepared):
        keys: set[str] = set()
        compacts: set[str] = set()
        for form in item.forms:
            keys |= name_block_keys(form)
            compacts |= form.compacts
        contact = [k for k in item.ids if k[0] in _CONTACT_KINDS]
        for compact in compacts:
            records_by_name[compact] += 1
            ids_by_name[compact].update(contact)
        keys.update(f"i:{kind}:{value}" for kind, value in item.ids)
        for key in keys:
            blocks[key].append(index)
        if item.record.case == focus:
            focus_keys |= keys
    counts = _people_per_name(records_by_name, ids_by_name)
    del ids_by_name
    for item in prepared:
        sizes = [len(blocks[k]) for form in item.forms for k in name_block_keys(form)
                 if k.startswith("t:")]
        item.crowd = min(sizes, default=1)
    seen: set[int] = set()
    n = len(prepared)
    matches: list[PersonMatch] = []
    for key, members in blocks.items():
        if len(members) < 2 or (focus is not None and key not in focus_keys):
            continue
        limit = MAX_CASES_PER_KEY if key.startswith("i:") else max_block
        if len(members) > limit:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pair = i * n + j if i < j else j * n + i
                if pair in seen:
                    continue
                seen.add(pair)
                a, b = prepared[i], prepared[j]
                if a.record.case == b.record.case or (
                        focus is not None and focus not in (a.record.case, b.record.case)):
                    continue
                score, reasons = score_pair(a, b, counts, weights)
                if score >= threshold:
                    matches.append(PersonMatch(a.record, b.record, score, reasons))
    matches.sort(key=lambda m: (-m.score, m.a.key, m.b.key))
    return matches


_ROLE_WORDS = {"reporter": "the reporter", "subject": "a subject", "witness": "a witness",
               "officer": "an officer", "other": "a person"}


def _who(record: PersonRecord) -> str:
    return f"{_ROLE_WORDS.get(record.role, 'a person')} ({record.person})"


def link_cases(archive: Iterable[CaseRecords], *, threshold: float = THRESHOLD,
               blind_key: bytes | None = None, focus: str | None = None) -> list[CaseLink]:
    """Links between cases with their reasons: shared identifiers outright, people by score.
    With `focus` (a case id), only that case's links, exactly as among all the links."""
    cases = list(archive)
    records = [p for c in cases for p in c.people]
    by_pair: dict[tuple[str, str], list[Reason]] = defaultdict(list)

    for match in match_people(records, threshold=threshold, blind_key=blind_key,
                              focus=focus):
        a, b = sorted((match.a, match.b), key=lambda r: r.case)
        detail = "; ".join(match.reasons)
        text = f"{_who(a)} in {a.case} is {_who(b)} in {b.case}: {detail}"
        by_pair[(a.case, b.case)].append(
            Reason(text, match.score, detail, who=(_who(a), _who(b))))

    where: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    shown: dict[tuple[str, str], Identifier] = {}
    for case in cases:
        for mention in case.mentions:
            ident = mention.identifier
            if ident.kind not in EXACT_KINDS and ident.kind != COMPANY:
                continue
            key = (ident.kind, ident.value)
            where[key][case.case].append(mention.ref)
            shown.setdefault(key, ident)
    for key, refs in where.items():
        if not 2 <= len(refs) <= MAX_CASES_PER_KEY or (focus is not None and focus not in refs):
            continue
        ordered = sorted(refs)
        score = 0.99 if key[0] in EXACT_KINDS else 0.8
        label = "company" if key[0] == COMPANY else key[0]
        for x, case_a in enumerate(ordered):
            for case_b in ordered[x + 1:]:
                if focus is not None and focus not in (case_a, case_b):
                    continue
                detail = f"both mention {label} {shown[key].display}"
                places = (", ".join(sorted(set(refs[case_a]))),
                         ", ".join(sorted(set(refs[case_b]))))
                text = f"{detail} ({case_a}: {places[0]}; {case_b}: {places[1]})"
                by_pair[(case_a, case_b)].append(Reason(text, score, detail, refs=places))

    links = [
        CaseLink(a, b, max(r.score for r in reasons),
                 tuple(sorted(set(reasons), key=lambda r: (-r.score, r.text))))
        for (a, b), reasons in by_pair.items()
    ]
    links.sort(key=lambda link: (-link.score, link.a, link.b))
    return links
