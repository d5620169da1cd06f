"""Linking people and cases across an archive: blocking, explainable scores, reasons.

Two records are compared only when they share a *block key*: an identifier, a compact
spelling of a name in any order or script, one name token plus the initials of the others,
or the whole name with a letter left out (so one slip leaves a key intact). Keys shared by
more than `max_block` records (a very common name, a hotline's own phone number; a token
with initials beyond `TOKEN_BLOCK`) are dropped: such a key says little, and dropping it is
what keeps the work near-linear in the archive's size; so is leaving out the pairs of a name
block that could not reach the threshold without a shared identifier (`_Reach`). Each
candidate pair gets a log-odds score from one named weight per feature (`WEIGHTS`), so every
score can be read back as the reasons that made it.

Some of what tells two records apart is only in the archive as a whole (`_Archive`): how
many people go by a name, whether a spelling recurs (a name in its own right, not a slip),
and which records shared identifiers join into one identity, so that a record without a
phone still inherits the phone its identity gives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from tipline.links.extract import CaseRecords, PersonRecord
from tipline.links.identifiers import ACCOUNT, CARD, COMPANY, EXACT_KINDS, IBAN, Identifier
from tipline.links.names import NameForms, name_forms

# Log-odds contributions, one per named feature, so a score reads back as its reasons.
# Fitted by a logistic regression on every compared pair of a synthetic archive of 100k
# records drawn with seed 99 (`python bench/links_fit.py`), rounded, and measured on other
# seeds (15 is the benchmark's). `second_name` is set by hand: no synthetic record has an
# alias. The generator gives each person one phone, so the conflict weights are as sure as
# that world; an archive where people often carry two phones would want them weaker.
# `prior` is the log-odds that two records sharing a block key are one person before
# anything is compared.
WEIGHTS: dict[str, float] = {
    "prior": -6.25,
    "name_exact": 8.41,           # a compact spelling agrees (any order, any script)
    "name_fuzzy": 43.85,          # per unit of edit similarity above `FUZZY_FLOOR`
    "name_initials": 4.73,        # "M. Norgor" and "Maria Norgor"
    "name_crowded": 0.21,         # per doubling of a fuzzy name's neighbours beyond CROWD
    "homophone": -20.9,           # same pinyin, different characters (张伟 / 张薇)
    "same_characters": 0.86,      # written alike in Chinese characters, not only in pinyin
    "pinyin_slip": 1.28,          # one of two spellings of a Chinese name is not pinyin
    "pinyin_both": -1.5,          # both are pinyin: two names, not one misspelt
    # How common an exactly agreeing name is, per doubling of: the identities known to go by
    # it (each giving its own phone or e-mail), the records giving it, and the records its
    # parts would give if drawn at random from the archive's names (王 + 伟 is often two
    # people, 诸葛 + 亮明 never). The same for the better attested of two near names.
    "exact_holders": -0.73,
    "exact_records": -0.58,
    "exact_chance": -0.32,
    "near_holders": -0.89,
    "near_chance": -0.39,
    "spelling_attested": -2.52,   # per doubling of the records that write the rarer spelling
    "identifier": 21.09,          # a phone, e-mail, handle, plate (or account) agrees
    "names_disagree": -15.81,     # an account agrees but the names are unalike
    "identifier_conflict": -15.49,  # both give a phone (or e-mail) and none agrees
    "linked_through": 29.39,      # other records join them by shared identifiers
    "identities_conflict": -13.04,  # the records they are joined to give different phones
    "unidentified": 0.88,         # of the two, those whose identity gives no phone or e-mail
    "second_name": 1.0,           # a second name (an alias) agrees as well
}
FUZZY_FLOOR = 0.8
CROWD = 8  # a typo among this many similar names is still telling
THRESHOLD = 0.715  # the lowest keeping precision at 0.95 where the weights were fitted
MAX_BLOCK = 60
# A token with the others' initials ("zhang|w") is the weakest key: in a block this full, a
# near spelling is more often a namesake than a slip (and one-letter slips also meet by
# their `d:` keys). Chosen on the training archive (seed 99): at 20 its blocks lose 115 of the
# 3,599 true pairs the linker found only through them (0.06% of all it found) and compare 60%
# fewer pairs.
TOKEN_BLOCK = 20
MAX_CASES_PER_KEY = 50
SLIP_RECORDS = 2  # a spelling written this rarely may be a slip of a near one
CHANCE_RANGE = (-6.0, 12.0)  # doublings: rarer is as telling as unique, commoner as common
_HOUSEHOLD_KINDS = frozenset({ACCOUNT, CARD, IBAN})  # often shared by family or firm
_CONTACT_KINDS = frozenset({"phone", "email", "blind:phone", "blind:email"})
RECORDS_PER_PERSON = 4


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

    __slots__ = ("contacts", "crowd", "forms", "identity", "ids", "index", "kinds", "record")

    def __init__(self, index: int, record: PersonRecord, forms: list[NameForms],
                 extra_ids: Iterable[Identifier] = ()) -> None:
        self.index = index
        self.record = record
        self.forms = forms
        ids = [i for i in (*record.identifiers, *extra_ids) if i.kind in EXACT_KINDS
               or i.kind.startswith("blind:")]
        self.ids = {(i.kind, i.value): i for i in ids}
        self.kinds = {i.kind for i in ids}
        self.contacts = frozenset(k for k in self.ids if k[0] in _CONTACT_KINDS)
        self.crowd = 1  # records in this name's least crowded token block
        self.identity = index  # the identity (records joined by identifiers) it belongs to


def _token_groupings(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    groups = [tokens]
    if len(tokens) > 2:
        groups.append((tokens[0], "".join(tokens[1:])))
        groups.append(("".join(tokens[:-1]), tokens[-1]))
    return groups


def name_block_keys(form: NameForms) -> set[str]:
    """A name's block keys: its compact spellings; each token with the others' initials
    (`t:`); and one spelling whole and with each letter left out in turn (`d:`), so two
    spellings one slip apart (Wang Yanghua / Wang Yagnhua, both "wang yanhua" less a letter)
    meet even when their surname's block is too crowded to compare. These blocks stay small
    however large the archive, since only names one letter apart share them."""
    keys = {f"c:{c}" for c in form.compacts}
    for tokens in _token_groupings(form.tokens):
        if len(tokens) < 2:
            continue
        for i, token in enumerate(tokens):
            if len(token) >= 2:
                initials = "".join(sorted(t[0] for j, t in enumerate(tokens) if j != i))
                keys.add(f"t:{token}|{initials}")
    spelling = form.canonical
    if len(spelling) >= 5:
        keys.add(f"d:{spelling}")
        keys.update(f"d:{spelling[:k]}{spelling[k + 1:]}" for k in range(len(spelling)))
    return keys


def _initials_agree(a: NameForms, b: NameForms) -> bool:
    """One name gives initials where the other gives words ("M. Norgor", "Maria Norgor"):
    every word agrees and every initial starts one of the other name's remaining words."""
    for short, full in ((a, b), (b, a)):
        initials = short.initials
        if not initials or len(short.tokens) != len(full.tokens):
            continue
        rest = list(full.tokens)
        for word in (t for t in short.tokens if len(t) > 1):
            if word not in rest:
                break
            rest.remove(word)
        else:
            if len(rest) < len(short.tokens) and sorted(t[0] for t in rest) == initials:
                return True
    return False


@dataclass
class _Names:
    """How two records' names agree, at best over their names."""

    kind: str = ""              # "exact", "fuzzy", "initials" or "" (unalike)
    similarity: float = 0.0
    common: int = 1             # the people estimated to go by the name
    why: str = ""
    agreeing: int = 0           # names (aliases included) that agree exactly
    homophone: bool = False     # the exact agreement is only in sound
    forms: tuple[NameForms, NameForms] | None = None


def _similarity(a: NameForms, b: NameForms) -> float:
    """Best edit similarity of two names' spellings, either way round, or 0 when below
    `FUZZY_FLOOR` (every spelling of a name has about one length, so many pairs are told apart
    by that alone). Each name's canonical spelling is compared with the other's spellings,
    which hold every order it may take ("Wang Jun-Bin" is "bin wangjun" and "wang junbin")."""
    (a_short, a_long), (b_short, b_long) = a.lengths, b.lengths
    if max(a_short - b_long, b_short - a_long) > (1 - FUZZY_FLOOR) * max(a_long, b_long):
        return 0.0
    best = max(OSA.normalized_similarity(a.canonical, y, score_cutoff=FUZZY_FLOOR)
               for y in b.compacts)
    floor = max(best, FUZZY_FLOOR)  # the other way round need only beat it
    return max(best, *(OSA.normalized_similarity(b.canonical, x, score_cutoff=floor)
                       for x in a.compacts))


def _compare_names(a: _Prepared, b: _Prepared, counts: dict[str, int]) -> _Names:
    """Best agreement over both records' names: exact beats fuzzy beats initials."""
    out = _Names()
    for fa in a.forms:
        for fb in b.forms:
            shared = fa.compacts & fb.compacts
            if shared:
                out.agreeing += 1
                count = min(counts.get(c, 1) for c in shared)
                script = " (across scripts)" if fa.cjk != fb.cjk else ""
                sound_only = fa.cjk and fb.cjk and fa.written != fb.written
                if out.kind != "exact" or (out.homophone and not sound_only) \
                        or count < out.common:
                    out.kind, out.similarity, out.common = "exact", 1.0, count
                    out.homophone, out.forms = sound_only, (fa, fb)
                    out.why = f"name {fa.written} = {fb.written}{script}" + (
                        " (same pinyin, different characters)" if sound_only else "")
                continue
            if out.kind == "exact":
                continue
            sim = _similarity(fa, fb)
            if sim >= FUZZY_FLOOR and sim > out.similarity:
                out.kind, out.similarity, out.forms = "fuzzy", sim, (fa, fb)
                out.common = max(min(counts.get(c, 1) for c in fa.compacts),
                                 min(counts.get(c, 1) for c in fb.compacts))
                out.why = f"name {fa.written} ~ {fb.written} ({sim:.2f})"
            elif not out.kind and _initials_agree(fa, fb):
                full = fa if len(fa.written) > len(fb.written) else fb
                out.kind, out.forms = "initials", (fa, fb)
                out.common = min(counts.get(c, 1) for c in full.compacts)
                out.why = f"name {fa.written} ~ {fb.written} (initials)"
    return out


def _people_per_name(records: dict[str, int], holders: dict[str, int]) -> dict[str, int]:
    """How many different people go by each name, estimated from the archive itself.

    A name is only as telling as it is rare *among people*, not among records: one person
    reported six times is one name-holder. Identities (records joined by identifiers) that
    each give a phone are different holders, since one phone would have joined them; so are
    those giving e-mails. Without them, records are assumed to come RECORDS_PER_PERSON to a
    person.
    """
    return {name: max(holders.get(name, 0), math.ceil(count / RECORDS_PER_PERSON), 1)
            for name, count in records.items()}


class _Archive:
    """What the whole archive says that no pair of records shows by itself: how many people
    go by each name, how often each spelling and each name part occurs, and which records
    identifiers join into one identity (and the phones and e-mails each identity gives)."""

    def __init__(self, prepared: Sequence[_Prepared], blocks: dict[str, list[int]]) -> None:
        self.prepared = prepared
        self._spelling: dict[str, int] = {}  # per written name (name_forms is cached by it)
        self._chance: dict[str, float] = {}
        self.spellings: dict[str, int] = defaultdict(int)
        self.parts: dict[str, int] = defaultdict(int)
        for item in prepared:
            compacts = {c for form in item.forms for c in form.compacts}
            for compact in compacts:
                self.spellings[compact] += 1
            tokens = {t for form in item.forms for t in form.tokens}
            for part in tokens | {f"{t[0]}." for t in tokens}:
                self.parts[part] += 1
        self.counts: dict[str, int] = dict(self.spellings)  # replaced once identities exist
        self._join_identities(blocks)
        holders: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for item in prepared:
            kinds = {k.removeprefix("blind:") for k, _ in self.contacts[item.identity]}
            for compact in {c for form in item.forms for c in form.compacts}:
                for kind in kinds:
                    holders[compact][kind].add(item.identity)
        self.holders = {name: max(len(ids) for ids in kinds.values())
                        for name, kinds in holders.items() if kinds}
        self.counts = _people_per_name(self.spellings, self.holders)

    def _join_identities(self, blocks: dict[str, list[int]]) -> None:
        parent = list(range(len(self.prepared)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for key, members in blocks.items():
            if not key.startswith("i:") or not 2 <= len(members) <= MAX_CASES_PER_KEY:
                continue
            for x, i in enumerate(members):
                for j in members[x + 1:]:
                    a, b = self.prepared[i], self.prepared[j]
                    if a.record.case == b.record.case or find(i) == find(j):
                        continue
                    shared = set(a.ids) & set(b.ids)
                    if all(k[0] in _HOUSEHOLD_KINDS for k in shared) \
                            and not _compare_names(a, b, self.counts).kind:
                        continue  # a household's account, not one person
                    parent[find(i)] = find(j)
        self.contacts: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self.sizes: dict[int, int] = defaultdict(int)
        for item in self.prepared:
            item.identity = find(item.index)
            self.contacts[item.identity] |= item.contacts
            self.sizes[item.identity] += 1

    def spelling(self, form: NameForms) -> int:
        """Records that write this name (in any order or script)."""
        if (found := self._spelling.get(form.written)) is None:
            found = self._spelling[form.written] = max(
                self.spellings.get(c, 1) for c in form.compacts)
        return found

    def chance(self, form: NameForms) -> float:
        """Doublings of the records whose name would be this one if its parts were drawn
        at random from the archive's names: 王 + 伟 is often two people, 诸葛 + 亮明 never."""
        if (found := self._chance.get(form.written)) is not None:
            return found
        total = max(len(self.prepared), 1)
        expected = float(total)
        for token in form.tokens:
            part = f"{token}." if len(token) == 1 else token
            expected *= self.parts.get(part, 1) / total
        low, high = CHANCE_RANGE
        found = self._chance[form.written] = min(
            max(math.log2(max(expected, 2 ** low)), low), high)
        return found


class _Reach:
    """Which blocked pairs could reach the threshold (log-odds `floor`) at all.

    Blocks of common names grow with the square of the archive (more records per name, more
    of them within the block caps), and at 1M records most of their pairs are namesakes no
    score would link. A pair that shares an identifier or an identity meets in that block, so
    in a name's own block (`c:`) and between two spellings one slip apart (`d:`), a pair can
    only link on its names, and the most it can score there is known before comparing it:
    every feature at its best over the names involved, the commonness of the name included,
    `unidentified` only for records whose identity gives no phone or e-mail, and a conflict
    weight for two identities whose phones (or e-mails) disagree. Pairs whose best is under
    the threshold are not compared: the links are the same, found with fewer comparisons.
    """

    def __init__(self, archive: _Archive, spelled: dict[str, list[int]],
                 weights: dict[str, float], floor: float) -> None:
        self.archive, self.spelled, self.weights, self.floor = archive, spelled, weights, floor
        self.lift = max(weights["unidentified"], 0.0)  # per record whose identity gives none
        # the least a conflict costs: its record-level or its identity-level weight
        self.apart = max(min(-weights["identifier_conflict"], -weights["identities_conflict"]),
                         0.0)
        self.exact = weights["prior"] + weights["name_exact"] + sum(
            max(weights[k], 0.0) for k in ("same_characters", "second_name"))
        self._spelled_forms: dict[str, list[NameForms]] = {}
        self._kinds: dict[int, set[str]] = {}

    def _most(self, spread: dict[str, list[float]]) -> float:
        """Each feature's largest contribution over the values it can take."""
        return sum(self.weights[k] * (min(v) if self.weights[k] < 0 else max(v))
                   for k, v in spread.items())

    def _contacts(self, i: int) -> tuple[set[tuple[str, str]], set[str]]:
        """The phones and e-mails a record's identity gives, and their kinds."""
        identity = self.archive.prepared[i].identity
        contacts = self.archive.contacts[identity]
        if (kinds := self._kinds.get(identity)) is None:
            kinds = self._kinds[identity] = {k for k, _ in contacts}
        return contacts, kinds

    def _could_link(self, most: float, pairs: Iterable[tuple[int, int]]
                    ) -> Iterator[tuple[int, int]]:
        """The pairs whose best score, `most` before the records' own contacts, could reach
        the threshold: lifted for each record whose identity gives no contact, lowered where
        both identities give a phone (or e-mail) and none agrees (identities that differ)."""
        if most - self.apart >= self.floor:
            yield from pairs
            return
        if most + 2 * self.lift < self.floor:
            return
        for i, j in pairs:
            (mine, my_kinds), (theirs, their_kinds) = self._contacts(i), self._contacts(j)
            best = most + self.lift * ((not mine) + (not theirs))
            if best >= self.floor and (best - self.apart >= self.floor or mine is theirs
                                       or not my_kinds & their_kinds or mine & theirs):
                yield i, j

    def _distinct_forms(self, members: Iterable[int]) -> list[NameForms]:
        """The distinct names the records write."""
        prepared = self.archive.prepared
        return list({f.written: f for i in members for f in prepared[i].forms}.values())

    def _forms(self, spelling: str) -> list[NameForms]:
        """The distinct names written by the records of one spelling, once per spelling."""
        if (found := self._spelled_forms.get(spelling)) is None:
            found = self._spelled_forms[spelling] = self._distinct_forms(self.spelled[spelling])
        return found

    def name_block(self, members: list[int]) -> Iterator[tuple[int, int]]:
        """The pairs of a `c:` block (records writing one compact spelling: an exact name
        agreement) that could link."""
        archive = self.archive
        forms = self._distinct_forms(members)
        spellings = {c for form in forms for c in form.compacts}
        most = self.exact + self._most({
            "exact_records": [math.log2(archive.spellings.get(c, 1)) for c in spellings],
            "exact_holders": [math.log2(archive.holders.get(c, 1)) for c in spellings],
            "exact_chance": [archive.chance(form) for form in forms]})
        return self._could_link(most, _within(members))

    def slip(self, ours: str, theirs: str, pairs: Iterable[tuple[int, int]]
             ) -> Iterable[tuple[int, int]]:
        """Those of `pairs` (a record of spelling `ours`, one of `theirs`, one slip apart) that
        could link: as near names (or initials), with the commonness of the better attested."""
        archive, w = self.archive, self.weights
        a_forms, b_forms = self._forms(ours), self._forms(theirs)
        if any(a.compacts & b.compacts for a in a_forms for b in b_forms):
            return pairs  # an exact agreement after all: its name block decides
        similarity = max(_similarity(a, b) for a in a_forms for b in b_forms)
        attested = ([archive.spelling(f) for f in a_forms], [archive.spelling(f) for f in b_forms])
        known = a_forms if min(attested[0]) > max(attested[1]) else \
            b_forms if min(attested[1]) > max(attested[0]) else a_forms + b_forms
        near = max(w["name_initials"], 0.0)
        if similarity >= FUZZY_FLOOR:
            crowds = [archive.prepared[i].crowd for s in (ours, theirs) for i in self.spelled[s]]
            near = max(near, w["name_fuzzy"] * (similarity - FUZZY_FLOOR)
                       + max(w["pinyin_slip"], w["pinyin_both"], 0.0) + self._most({
                           "name_crowded": [math.log2(max(c, CROWD) / CROWD) for c in crowds],
                           "spelling_attested": [math.log2(x) for x in (*attested[0],
                                                                         *attested[1])]}))
        most = w["prior"] + near + self._most({
            "near_holders": [math.log2(archive.holders.get(c, 1))
                             for f in known for c in f.compacts],
            "near_chance": [archive.chance(f) for f in known]})
        return self._could_link(most, pairs)


def _within(members: list[int]) -> Iterator[tuple[int, int]]:
    for x, i in enumerate(members):
        yield from ((i, j) for j in members[x + 1:])


def pair_features(a: _Prepared, b: _Prepared, archive: _Archive
                  ) -> tuple[dict[str, float], tuple[str, ...]]:
    """What two records share, as one value per named weight, and the reasons, strongest
    first."""
    reasons: list[str] = []
    f: dict[str, float] = {}
    shared = sorted(a.ids.keys() & b.ids.keys())
    names = _compare_names(a, b, archive.counts)
    if not names.kind and not shared and a.identity != b.identity:
        return f, ()  # unalike names and nothing shared: nothing to weigh
    if names.kind:
        fa, fb = names.forms or (a.forms[0], b.forms[0])
        known = max(fa, fb, key=lambda form: (archive.spelling(form), form.written))
        spellings = fa.compacts & fb.compacts or known.compacts
        holders = math.log2(max(min(archive.holders.get(c, 1) for c in spellings), 1))
        chance = archive.chance(known) if names.kind != "exact" else \
            max(archive.chance(fa), archive.chance(fb))
        if names.kind == "exact":
            f["exact_holders"], f["exact_chance"] = holders, chance
            f["exact_records"] = math.log2(min(archive.spellings.get(c, 1) for c in spellings))
        else:
            f["near_holders"], f["near_chance"] = holders, chance
        if names.kind == "exact":
            f["name_exact"] = 1.0
            f["homophone"] = float(names.homophone)
            f["same_characters"] = float(fa.cjk and fb.cjk and fa.written == fb.written)
            f["second_name"] = float(names.agreeing > 1)
        elif names.kind == "fuzzy":
            f["name_fuzzy"] = names.similarity - FUZZY_FLOOR
            f["name_crowded"] = math.log2(max(a.crowd, b.crowd, CROWD) / CROWD)
            rarer = min(archive.spelling(fa), archive.spelling(fb))
            f["spelling_attested"] = math.log2(rarer)
            if fa.cjk or fb.cjk or fa.pinyin or fb.pinyin:
                f["pinyin_slip" if fa.pinyin != fb.pinyin else "pinyin_both"] = float(
                    fa.pinyin or fb.pinyin)
        else:
            f["name_initials"] = 1.0
        reasons.append(names.why + (f", shared by {names.common} people"
                                    if names.kind == "exact" and names.common > 1 else ""))
    if shared:
        f["identifier"] = 1.0
        for key in shared:
            reasons.insert(0, f"same {key[0]} {a.ids[key].display}")
        if all(k[0] in _HOUSEHOLD_KINDS for k in shared) and not names.kind:
            f["names_disagree"] = 1.0
            reasons.append("but the names are unalike")
    for kind in ("phone", "email"):
        if kind in a.kinds and kind in b.kinds and not any(k[0] == kind for k in shared):
            f["identifier_conflict"] = f.get("identifier_conflict", 0.0) + 1.0
            reasons.append(f"different {kind}s")
    if names.kind:
        f["unidentified"] = float(not archive.contacts[a.identity]) + float(
            not archive.contacts[b.identity])
    if not shared and a.identity == b.identity:
        f["linked_through"] = 1.0
        reasons.append("other records join them by shared identifiers")
    elif "identifier_conflict" not in f and a.identity != b.identity:
        mine, theirs = archive.contacts[a.identity], archive.contacts[b.identity]
        kinds = {k for k, _ in mine} & {k for k, _ in theirs}
        if kinds and not mine & theirs:
            f["identities_conflict"] = 1.0
            reasons.append("the records joined to them give different "
                           + " and ".join(sorted(k.removeprefix("blind:") + "s"
                                                 for k in kinds)))
    return f, tuple(reasons)


def score_pair(a: _Prepared, b: _Prepared, archive: _Archive,
               weights: dict[str, float] = WEIGHTS) -> tuple[float, tuple[str, ...]]:
    """The probability that two records are one person, and the reasons, strongest first."""
    features, reasons = pair_features(a, b, archive)
    logit = weights["prior"] + sum(weights[k] * v for k, v in features.items())
    return _logistic(logit), reasons


def _candidates(blocks: dict[str, list[int]], slips: dict[str, set[str]],
                spelled: dict[str, list[int]], max_block: int, focus_keys: set[str] | None,
                reach: _Reach | None) -> Iterator[tuple[int, int]]:
    """Pairs of record indexes to compare (with repeats): those sharing a block key, and
    those whose spellings share a `d:` key (one slip apart) where one of the two spellings is
    rare enough to be a slip. A spelling's own records meet in its `c:` block, so the many
    `d:` keys of one spelling do not pair them again; and two spellings that both recur are
    not paired here, which keeps this work linear as the archive grows (more records per
    name made those cross-products grow with its square). With `reach`, name and slip pairs
    that could not link are left out."""
    caps = {"i": MAX_CASES_PER_KEY, "t": min(TOKEN_BLOCK, max_block)}  # others: max_block
    for key, members in blocks.items():
        if len(members) < 2 or (focus_keys is not None and key not in focus_keys):
            continue
        if len(members) > caps.get(key[0], max_block):
            continue
        yield from reach.name_block(members) if reach and key[0] == "c" else _within(members)
    for key, spellings in slips.items():
        if len(spellings) < 2 or (focus_keys is not None and key not in focus_keys):
            continue
        ordered = sorted(spellings)
        if sum(len(spelled[s]) for s in ordered) > max_block:
            continue
        for x, ours in enumerate(ordered):
            for theirs in ordered[x + 1:]:
                side, other = spelled[ours], spelled[theirs]
                if min(len(side), len(other)) > SLIP_RECORDS:
                    continue
                pairs = ((i, j) for i in side for j in other)
                yield from reach.slip(ours, theirs, pairs) if reach else pairs


def match_people(records: Sequence[PersonRecord], *, threshold: float = THRESHOLD,
                 max_block: int = MAX_BLOCK, blind_key: bytes | None = None,
                 weights: dict[str, float] = WEIGHTS, focus: str | None = None,
                 prune: bool = True) -> list[PersonMatch]:
    """Pairs of records (from different cases) that are one person, best first.

    With `blind_key`, every identifier is also compared by its blind index, so a record
    whose identity is sealed (it carries only blinded identifiers) still matches. With
    `focus` (a case id), only pairs with one record in that case are compared: the same
    pairs, with the same scores, as the whole archive's matching gives for that case.
    With `prune` (the default), name and slip pairs that could not reach the threshold are
    not compared (`_Reach`); without it every blocked pair is scored, as the weights' fit
    needs.
    """
    from tipline.links.blind import blind_identifiers

    # each name's forms made once (name_forms' own cache is bounded, and a large archive
    # has more names than it holds)
    known = {n: name_forms(n) for r in records for n in r.names}
    prepared = [
        _Prepared(i, r, [f for n in r.names if (f := known[n])],
                  blind_identifiers(blind_key, r.identifiers) if blind_key else ())
        for i, r in enumerate(records)
    ]
    blocks: dict[str, list[int]] = defaultdict(list)
    slips: dict[str, set[str]] = defaultdict(set)  # a `d:` key's spellings
    spelled: dict[str, list[int]] = defaultdict(list)  # a spelling's records
    written_keys: dict[str, list[str]] = {}  # a written name's other keys, made once
    focus_keys: set[str] = set()
    token_keys: list[list[str]] = []  # each record's `t:` keys, for its crowd below
    for index, item in enumerate(prepared):
        keys: set[str] = set()
        for form in item.forms:
            spelling = form.canonical
            if (found := written_keys.get(form.written)) is None:
                every = name_block_keys(form)
                found = written_keys[form.written] = [k for k in every if k[0] != "d"]
                if spelling not in spelled:  # a new spelling: its `d:` keys
                    for key in every - set(found):
                        slips[key].add(spelling)
            keys.update(found)
            if item.record.case == focus:
                focus_keys.update(k for k in name_block_keys(form) if k[0] == "d")
            if not spelled[spelling] or spelled[spelling][-1] != index:
                spelled[spelling].append(index)
        token_keys.append([k for k in keys if k.startswith("t:")])
        keys.update(f"i:{kind}:{value}" for kind, value in item.ids)
        for key in keys:
            blocks[key].append(index)
        if item.record.case == focus:
            focus_keys |= keys
    archive = _Archive(prepared, blocks)
    for index, item in enumerate(prepared):  # an identity's records meet even when unalike
        if archive.sizes[item.identity] > 1:
            blocks[f"j:{item.identity}"].append(index)
            if item.record.case == focus:
                focus_keys.add(f"j:{item.identity}")
    for item, tokens in zip(prepared, token_keys, strict=True):
        item.crowd = min((len(blocks[k]) for k in tokens), default=1)
    seen: set[int] = set()
    n = len(prepared)
    matches: list[PersonMatch] = []
    floor = math.log(threshold / (1 - threshold)) if 0 < threshold < 1 else -math.inf
    reach = _Reach(archive, spelled, weights, floor) if prune else None
    for i, j in _candidates(blocks, slips, spelled, max_block,
                            None if focus is None else focus_keys, reach):
        pair = i * n + j if i < j else j * n + i
        if pair in seen:
            continue
        seen.add(pair)
        a, b = prepared[i], prepared[j]
        if a.record.case == b.record.case or (
                focus is not None and focus not in (a.record.case, b.record.case)):
            continue
        if b.record.key < a.record.key:  # either way round: the same pair, the same words
            a, b = b, a
        score, reasons = score_pair(a, b, archive, weights)
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
