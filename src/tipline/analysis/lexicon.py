"""The engine's vocabulary (lexicon.yaml), compiled once and checked at import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Lexicon:
    negation: dict[str, re.Pattern[str]]
    acts: dict[str, dict[str, re.Pattern[str]]]
    refusal: dict[str, re.Pattern[str]]
    offer: dict[str, re.Pattern[str]]
    combination: dict[str, re.Pattern[str]]
    act_kinds: dict[str, dict[str, dict[str, re.Pattern[str]]]]
    retraction: dict[str, re.Pattern[str]]
    reported: dict[str, re.Pattern[str]]
    first_person: dict[str, re.Pattern[str]]
    contact_modes: dict[str, dict[str, re.Pattern[str]]]
    alternatives: dict[str, dict[str, dict[str, re.Pattern[str]]]]
    modality: dict[str, dict[str, re.Pattern[str]]]
    third_person: dict[str, re.Pattern[str]]

    def kinds_of(self, family: str, text: str, lang: str) -> frozenset[str]:
        """The narrower kinds of a family of acts a text names ("borrowing" of "money")."""
        return frozenset(kind for kind, pats in self.act_kinds.get(family, {}).items()
                         if pats[lang].search(text))

    def contact_modes_of(self, text: str, lang: str) -> frozenset[str]:
        """How a text says people were in contact ("in_person", "remote", "general")."""
        return frozenset(m for m, pats in self.contact_modes.items() if pats[lang].search(text))


def _compile(entry: object, where: str) -> dict[str, re.Pattern[str]]:
    if not isinstance(entry, dict) or set(entry) != {"en", "zh"}:
        raise ValueError(f"lexicon.yaml: {where} needs exactly the keys en and zh")
    return {
        lang: re.compile(re.sub(r"\s*\|\s*", "|", str(pattern).strip()), re.IGNORECASE)
        for lang, pattern in entry.items()
    }


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = yaml.safe_load(resources.files("tipline.analysis").joinpath("lexicon.yaml").read_text(
        encoding="utf-8"))
    return Lexicon(
        negation=_compile(raw["negation"], "negation"),
        acts={name: _compile(entry, f"acts.{name}") for name, entry in raw["acts"].items()},
        refusal=_compile(raw["refusal"], "refusal"),
        offer=_compile(raw["offer"], "offer"),
        combination=_compile(raw["combination"], "combination"),
        act_kinds={family: {kind: _compile(entry, f"act_kinds.{family}.{kind}")
                            for kind, entry in kinds.items()}
                   for family, kinds in raw["act_kinds"].items()},
        retraction=_compile(raw["retraction"], "retraction"),
        reported=_compile(raw["reported"], "reported"),
        first_person=_compile(raw["first_person"], "first_person"),
        contact_modes={name: _compile(entry, f"contact_modes.{name}")
                       for name, entry in raw["contact_modes"].items()},
        alternatives={event: {way: _compile(entry, f"alternatives.{event}.{way}")
                              for way, entry in ways.items()}
                      for event, ways in raw["alternatives"].items()},
        modality={name: _compile(entry, f"modality.{name}")
                  for name, entry in raw["modality"].items()},
        third_person=_compile(raw["third_person"], "third_person"),
    )
