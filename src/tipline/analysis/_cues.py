"""The cue lexicon of the evasion, probing and implicated detectors (cues.yaml).

Loaded once, validated entry by entry and compiled; a malformed lexicon fails loudly at first
use with the path of the bad entry. Shared helpers pick a text's language and find cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from tipline.case import Case, detect_language

LANGS = ("en", "zh")
_SECTIONS = ("evasion", "question_types", "answer_content", "probing")
# Curly quotes to straight ones and ASCII capitals to small letters, one character for one,
# so offsets stay valid; patterns are lower-cased the same way and matched case-sensitively,
# which is about twice as fast as re.IGNORECASE.
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                       **{chr(c): chr(c + 32) for c in range(65, 91)}})
_CAPITAL = re.compile(r"(?<!\\)[A-Z]")


class CueLexiconError(ValueError):
    """cues.yaml is malformed."""


@dataclass(frozen=True)
class Family:
    name: str
    weight: float
    why: str
    patterns: Mapping[str, re.Pattern[str] | None]  # language -> one compiled alternation
    lead: bool = False
    cap: float | None = None

    def find(self, text: str, lang: str) -> list[re.Match[str]]:
        langs = LANGS if lang == "mixed" else (lang,)
        out: list[re.Match[str]] = []
        for code in langs:
            pattern = self.patterns.get(code)
            if pattern is not None:
                out.extend(pattern.finditer(text))
        return out

    def search(self, text: str, lang: str) -> re.Match[str] | None:
        found = self.find(text, lang)
        return found[0] if found else None


@dataclass(frozen=True)
class FieldRole:
    name: str
    weight: float
    why: str
    keys: frozenset[str]


@dataclass(frozen=True)
class Cues:
    sections: Mapping[str, Mapping[str, Family]]
    field_roles: Mapping[str, FieldRole]
    implicated: Mapping[str, Family]


def _fail(where: str, problem: str) -> CueLexiconError:
    return CueLexiconError(f"cues.yaml: {where}: {problem}")


def _family(name: str, raw: Any, where: str) -> Family:
    if not isinstance(raw, dict):
        raise _fail(where, "must be a mapping")
    unknown = set(raw) - {"weight", "why", "en", "zh", "lead", "cap"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    weight = raw.get("weight")
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not -1 <= weight <= 1:
        raise _fail(where, "weight must be a number in [-1, 1]")
    why = raw.get("why")
    if not isinstance(why, str) or not why.strip():
        raise _fail(where, "needs a `why` comment")
    patterns: dict[str, re.Pattern[str] | None] = {}
    for lang in LANGS:
        items = raw.get(lang, [])
        if not isinstance(items, list):
            raise _fail(f"{where}.{lang}", "must be a list of regex strings")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item:
                raise _fail(f"{where}.{lang}[{i}]", "not a regex string (quote it if it has ': ')")
        for i, item in enumerate(items):
            try:
                re.compile(item)
            except re.error as exc:
                raise _fail(f"{where}.{lang}[{i}]", f"bad regex: {exc}") from None
        patterns[lang] = (
            re.compile("|".join(f"(?:{_lower(p)})" for p in items), re.MULTILINE)
            if items else None
        )
    if all(p is None for p in patterns.values()):
        raise _fail(where, "needs patterns for en or zh")
    cap = raw.get("cap")
    if cap is not None and (not isinstance(cap, (int, float)) or not 0 < cap <= 1):
        raise _fail(where, "cap must be a number in (0, 1]")
    return Family(name, float(weight), why.strip(), patterns, bool(raw.get("lead", False)),
                  None if cap is None else float(cap))


def _families(raw: Any, where: str) -> dict[str, Family]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(where, "must be a non-empty mapping of families")
    return {str(name): _family(str(name), entry, f"{where}.{name}") for name, entry in raw.items()}


def parse_cues(raw: Any) -> Cues:
    """Validate and compile a parsed cues.yaml document."""
    if not isinstance(raw, dict):
        raise _fail("top level", "must be a mapping")
    sections = {name: _families(raw.get(name), name) for name in _SECTIONS}
    imp = raw.get("implicated")
    if not isinstance(imp, dict) or set(imp) != {"fields", "families"}:
        raise _fail("implicated", "needs exactly `fields` and `families`")
    roles: dict[str, FieldRole] = {}
    for name, entry in (imp["fields"] or {}).items():
        where = f"implicated.fields.{name}"
        if not isinstance(entry, dict) or set(entry) != {"weight", "why", "keys"}:
            raise _fail(where, "needs exactly weight, why and keys")
        keys = entry["keys"]
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise _fail(where, "keys must be a non-empty list of field names")
        weight = entry["weight"]
        if not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
            raise _fail(where, "weight must be a number in [0, 1]")
        if not isinstance(entry["why"], str) or not entry["why"].strip():
            raise _fail(where, "needs a `why` comment")
        roles[str(name)] = FieldRole(str(name), float(weight), entry["why"],
                                     frozenset(norm_key(k) for k in keys))
    required = {"money_party", "counterparty", "sender", "addressee", "actor", "present"}
    if set(roles) != required:
        raise _fail("implicated.fields", f"needs exactly {sorted(required)}")
    families = _families(imp["families"], "implicated.families")
    for name in ("collusion", "restricted_place", "victim", "routine_payment", "authorship",
                 "money_words"):
        if name not in families:
            raise _fail("implicated.families", f"missing {name}")
    for section, names in (
        ("evasion", ("deflect", "refuse", "hedge", "honest_limit", "direct_answer")),
        ("question_types", ("polar", "quantity_or_time", "open_invitation")),
        ("answer_content", ("number_or_date",)),
        ("probing", ("reprisal_fear",)),
    ):
        for name in names:
            if name not in sections[section]:
                raise _fail(section, f"missing {name}")
    return Cues(sections, roles, families)


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The packaged lexicon, parsed and compiled once per process."""
    text = resources.files("tipline.analysis").joinpath("cues.yaml").read_text(encoding="utf-8")
    return parse_cues(yaml.safe_load(text))


def _lower(pattern: str) -> str:
    """Lower-case the literal capitals of a regex, leaving escapes such as \\S alone."""
    return _CAPITAL.sub(lambda m: m.group(0).lower(), pattern)


def norm_key(key: object) -> str:
    return re.sub(r"[\s-]+", "_", str(key).strip().lower())


def normalise(text: str) -> str:
    """The text cues are matched against: same length as `text`, so offsets point into it."""
    return text.translate(_FOLD)


def language_of(case: Case, text: str) -> str:
    """'en' or 'zh' for the case's language; per text when the case is mixed."""
    if case.language in LANGS:
        lang = case.language
        # A case marked en can still hold a Chinese answer (and the reverse).
        detected = detect_language(text)
        return detected if detected != "mixed" and detected != lang and len(text) > 8 else lang
    return detect_language(text)


_CLAUSE_END = re.compile(r"[.?!,;:。？！，；：…\n]")


def quote(text: str, start: int, end: int, limit: int = 60) -> str:
    """The cue as written, run on to the end of its clause when that is near."""
    stop = None if end > start and _CLAUSE_END.match(text, end - 1) else _CLAUSE_END.search(
        text, end)
    if stop and stop.start() - start <= limit:
        end = stop.end() if text[stop.start()] in "?？" else stop.start()
    snippet = " ".join(text[start:end].split())
    return snippet if len(snippet) <= limit else snippet[: limit - 1] + "…"


def first_sentence_end(text: str) -> int:
    match = re.search(r"[.!?。！？](?=\s|$|[^.!?。！？])", text.strip())
    lead = len(text) - len(text.lstrip())
    return lead + match.end() if match else len(text)


def dedupe_spans(matches: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(set(matches)):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out
