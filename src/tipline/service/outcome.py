"""Reward and leniency assessments from the YAML rules, and the anonymised case summary.

Every result lists the rules that fired with their reasons, so a decision can be explained
and challenged rule by rule.
"""

from __future__ import annotations

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


def redact(text: str, names: list[str]) -> str:
    """Replace identifiers (e-mails, links, IBANs, long digit runs) and personal names."""
    for pattern, label in _REDACTIONS:
        text = pattern.sub(label, text)
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(name), initial(name), text)
    return text


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


def summary(rec: CaseRecord, analysis: dict[str, Any]) -> str:
    """A publishable summary: no names beyond initials, no contact or account identifiers."""
    names = [n for p in rec.people for n in (p.name, *p.aliases) if n]
    reporter = next((p for p in rec.people if p.ref == rec.reporter), None)
    who = f"reporter {initial(reporter.name)}" if reporter and reporter.name else \
        "an anonymous reporter"
    month = datetime.fromisoformat(rec.received_at).strftime("%B %Y")
    kinds: dict[str, int] = {}
    for f in analysis.get("findings", []):
        kinds[f["kind"]] = kinds.get(f["kind"], 0) + 1
    lines = [
        f"Case {rec.case_id}: a report received in {month} through {rec.channel or 'an unknown'}"
        f" channel from {who}" + (f", concerning {redact(rec.category, names)}."
                                  if rec.category else "."),
        f"Status: {rec.status}" + (f" ({rec.disposition})." if rec.disposition else "."),
        f"Record: {len(rec.statements)} statements, {len(rec.evidence)} evidence records.",
        "Findings: " + (", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
                        or "none") + ".",
    ]
    if rec.disposition_reasons:
        lines.append("Reasons: " + redact(rec.disposition_reasons, names))
    if rec.statements:
        first = redact(rec.statements[0].text, names)
        lines.append("Report (redacted): " + (first[:600] + "…" if len(first) > 600 else first))
    return "\n".join(lines)
