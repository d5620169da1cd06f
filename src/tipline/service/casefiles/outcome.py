"""Reward and leniency assessments from the YAML rules, and the anonymised case summary.

Every result lists the rules that fired with their reasons, so a decision can be explained
and challenged rule by rule.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tipline.service.models import CaseRecord
from tipline.service.policy import LeniencyPolicy, RewardPolicy, Rule


@dataclass(frozen=True)
class Fired:
    rule: str
    reason: str
    effect: dict[str, Any]


@dataclass(frozen=True)
class RewardResult:
    eligible: bool
    band: str | None
    range: tuple[float, float] | None
    currency: str
    fired: list[Fired] = field(default_factory=list)


@dataclass(frozen=True)
class LeniencyResult:
    level: str
    grounds: list[str]
    fired: list[Fired] = field(default_factory=list)


def _fire(rules: list[Rule], facts: dict[str, Any]) -> list[Fired]:
    return [Fired(r.id, r.reason, r.effect) for r in rules if r.holds(facts)]


def assess_reward(policy: RewardPolicy, facts: dict[str, Any]) -> RewardResult:
    fired = _fire(policy.rules, facts)
    order = [b["id"] for b in policy.bands]
    if any(f.effect.get("deny") for f in fired) or not any("band" in f.effect for f in fired):
        return RewardResult(False, None, None, policy.currency, fired)
    level = max(order.index(f.effect["band"]) for f in fired if "band" in f.effect)
    level = max(0, level - sum(int(f.effect.get("step_down", 0)) for f in fired))
    band = policy.bands[level]
    return RewardResult(True, band["id"], (band["min"], band["max"]), policy.currency, fired)


def assess_leniency(policy: LeniencyPolicy, facts: dict[str, Any]) -> LeniencyResult:
    fired = _fire(policy.rules, facts)
    levels = [policy.levels.index(f.effect["level"]) for f in fired if "level" in f.effect]
    grounds = sorted({f.effect["ground"] for f in fired if "ground" in f.effect})
    return LeniencyResult(policy.levels[max(levels, default=0)], grounds, fired)


def facts_for(rec: CaseRecord, analysis: dict[str, Any]) -> dict[str, Any]:
    """Assessor-entered facts, plus what the record and the analysis establish.

    `reporter_implicated` comes from the analyzer unless the assessor set it explicitly.
    """
    facts: dict[str, Any] = {"reporter_implicated": any(
        f.get("kind") == "reporter_implicated" for f in analysis.get("findings", []))}
    facts.update({k: v for k, v in rec.outcome_facts.items() if v is not None and v != ""})
    if rec.disposition:
        facts["disposition"] = rec.disposition
    return facts


# --- anonymised summary ------------------------------------------------------------------------

_REDACTIONS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"https?://\S+"), "[link]"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b"), "[account]"),
    (re.compile(r"\+?\d[\d ()./-]{6,}\d"), "[number]"),  # phones, accounts, id numbers
]


def redact(text: str, names: list[str], contacts: list[str] | None = None) -> str:
    """Replace identifiers (e-mails, links, IBANs, long digit runs, the given contacts) and
    personal names."""
    for contact in sorted({c.strip() for c in contacts or [] if len(c.strip()) >= 3},
                          key=len, reverse=True):
        text = text.replace(contact, "[contact]")
    for pattern, label in _REDACTIONS:
        text = pattern.sub(label, text)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        if _HAN.match(name):
            text = text.replace(name, initial(name))
        else:  # whole words only: the name "Min" must not eat "Minister"
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", initial(name), text)
    return text


_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = r"[A-Z][a-z'’-]+"
# Where a free text names someone: a self-introduction, a title or role before a name, or two
# or more capitalised words in a row (over-redacting a place is the safe mistake here).
_NAMED = [
    re.compile(rf"(?i:\b(?:i am|i'm|my name is|this is|name:|called|named))\s+({_WORD}"
               rf"(?:\s+{_WORD}){{0,2}})"),
    re.compile(rf"(?i:\b(?:mr|mrs|ms|miss|dr|prof|director|manager|boss|supervisor|chief|"
               rf"colleague|officer|head|clerk|accountant|minister|secretary))\.?\s+"
               rf"({_WORD}(?:\s+{_WORD}){{0,2}})"),
    re.compile(rf"\b({_WORD}(?:\s+{_WORD})+)"),
]
_NOT_NAMES = set("""The A An On In At My Our Your His Her Their This That These Those When Then
    Last Next Every Each After Before Since Until During From To For With And But Or So If
    We He She They It You Yesterday Today Tomorrow Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October
    November December Dear Hello Hi Mr Mrs Ms Miss Dr Prof Director Manager Boss Supervisor
    Chief Colleague Officer Head Clerk Accountant Minister Secretary""".split())


def names_in(text: str) -> set[str]:
    """Personal names a free text gives away: the patterns above for Latin script, jieba's
    person-name tags (nr) for Chinese."""
    found: set[str] = set()
    for pattern in _NAMED:
        for m in pattern.finditer(text):
            words = m.group(1).split()
            while words and words[0] in _NOT_NAMES:
                words.pop(0)
            while words and words[-1] in _NOT_NAMES:
                words.pop()
            if words and (pattern is not _NAMED[-1] or len(words) >= 2):
                found.add(" ".join(words))
    if _HAN.search(text):
        import jieba
        from jieba import posseg

        jieba.setLogLevel(logging.WARNING)
        found |= {w.word for w in posseg.lcut(text) if w.flag.startswith("nr")
                  and len(w.word) >= 2}
    return found


def _with_parts(names: set[str]) -> set[str]:
    """Each name and, for Latin script, its words of three letters or more ("Zhang" alone)."""
    return names | {part for n in names if not _HAN.match(n) for part in n.split()
                    if len(part) >= 3}


def initial(name: str) -> str:
    """'Wang Fang' -> 'W.'; for Latin names the family name is taken as the last word unless
    the name is written family-first in CJK script (王芳 -> 王.)."""
    name = name.strip()
    if not name:
        return "[person]"
    if re.match(r"[\u3400-\u9fff]", name):
        return name[0] + "."
    parts = name.split()
    return (parts[-1] if len(parts) > 1 else parts[0])[0].upper() + "."


def summary(rec: CaseRecord, analysis: dict[str, Any],
            identity: dict[str, Any] | None = None) -> str:
    """A publishable summary: no names beyond initials, no contact or account identifiers.

    Names come from the people list, from the reporter's sealed identity fields (`identity`,
    opened only to blank them out) and from the texts themselves ("I am Zhang Min from
    accounts", "my manager Li Qiang"), so a web report's reporter and subjects are redacted
    though the people list names nobody."""
    given = {str(v) for k, v in (identity or {}).items() if k == "name" and v}
    texts = [rec.category or "", rec.disposition_reasons or "",
             *(s.text for s in rec.statements)]
    names = list(_with_parts({n for p in rec.people for n in (p.name, *p.aliases) if n}
                             | given | {n for t in texts for n in names_in(t)}))
    contacts = [str(v) for k, v in (identity or {}).items() if k != "name" and v]
    reporter = next((p for p in rec.people if p.ref == rec.reporter), None)
    reporter_name = reporter.name if reporter and reporter.name else next(iter(given), "")
    who = f"reporter {initial(reporter_name)}" if reporter_name else "an anonymous reporter"
    month = datetime.fromisoformat(rec.received_at).strftime("%B %Y")
    kinds: dict[str, int] = {}
    for f in analysis.get("findings", []):
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    lines = [
        f"Case {rec.case_id}: a report received in {month} through {rec.channel or 'an unknown'}"
        f" channel from {who}" + (f", concerning {redact(rec.category, names, contacts)}."
                                  if rec.category else "."),
        f"Status: {rec.status}" + (f" ({rec.disposition})." if rec.disposition else "."),
        f"Record: {len(rec.statements)} statements, {len(rec.evidence)} evidence records.",
        "Findings: " + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
                        or "none") + ".",
    ]
    if rec.disposition_reasons:
        lines.append("Reasons: " + redact(rec.disposition_reasons, names, contacts))
    if rec.statements:
        first = redact(rec.statements[0].text, names, contacts)
        lines.append("Report (redacted): " + (first[:600] + "…" if len(first) > 600 else first))
    return "\n".join(lines)
