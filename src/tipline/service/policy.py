"""Workflow, reward and leniency policies: YAML data validated at start-up; semantics here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tipline.case.model import EVIDENCE_KINDS
from tipline.errors import TiplineError

POLICY_DIR = Path(__file__).parent / "policies"

# The facts an assessment can be conditioned on, and the type each must have.
FACTS: dict[str, type | tuple[type, ...]] = {
    "disposition": str,
    "value_involved": (int, float),
    "significance": str,
    "reporter_implicated": bool,
    "voluntary_surrender": bool,
    "truthful_confession": bool,
    "meritorious_information": bool,
}
SIGNIFICANCE = ("low", "medium", "high")


class PolicyError(TiplineError):
    """A policy file that does not make sense; raised at start-up, naming file and problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict[str, Any]
    effect: dict[str, Any]
    reason: str

    def holds(self, facts: dict[str, Any]) -> bool:
        """True when every condition matches; a missing fact never matches."""
        return all(_matches(facts.get(k), cond) for k, cond in self.when.items())


def _matches(value: Any, cond: Any) -> bool:
    if isinstance(cond, dict):
        if "not" in cond:
            return value is not None and value != cond["not"]
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return value >= cond.get("min", float("-inf")) and value <= cond.get("max", float("inf"))
    return value is not None and value == cond


@dataclass(frozen=True)
class Workflow:
    statuses: dict[str, list[str]]
    initial: str
    closing: str
    dispositions: list[str]
    acknowledging: list[str]
    acknowledge_days: int
    feedback_months: int
    evidence_kinds: list[str]
    retention_days: dict[str, int]

    def can_move(self, old: str, new: str) -> bool:
        return new in self.statuses.get(old, [])


@dataclass(frozen=True)
class RewardPolicy:
    currency: str
    bands: list[dict[str, Any]]
    rules: list[Rule]


@dataclass(frozen=True)
class LeniencyPolicy:
    levels: list[str]
    grounds: dict[str, str]
    rules: list[Rule]


@dataclass(frozen=True)
class Policies:
    workflow: Workflow
    rewards: RewardPolicy
    leniency: LeniencyPolicy


def _load(name: str, directory: Path) -> dict[str, Any]:
    path = directory / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: must be a mapping")
    return data


def _rules(raw: Any, source: str, effect_keys: set[str]) -> list[Rule]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f"{source}: rules must be a non-empty list")
    rules: list[Rule] = []
    for i, r in enumerate(raw):
        where = f"{source}: rules[{i}]"
        if not isinstance(r, dict) or not {"id", "when", "effect", "reason"} <= set(r):
            raise PolicyError(f"{where}: needs id, when, effect and reason")
        for fact in r["when"]:
            if fact not in FACTS:
                raise PolicyError(f"{where} ({r['id']}): unknown fact {fact!r}")
        unknown = set(r["effect"]) - effect_keys
        if unknown:
            raise PolicyError(f"{where} ({r['id']}): unknown effect {sorted(unknown)}")
        rules.append(Rule(str(r["id"]), dict(r["when"]), dict(r["effect"]), str(r["reason"])))
    return rules


def load_policies(directory: Path = POLICY_DIR) -> Policies:
    """Read and check all three policies; any inconsistency stops start-up with a clear error."""
    w = _load("workflow.yaml", directory)
    try:
        statuses = {str(k): [str(x) for x in v] for k, v in w["statuses"].items()}
        workflow = Workflow(
            statuses=statuses, initial=w["initial"], closing=w["closing"],
            dispositions=list(w["dispositions"]), acknowledging=list(w["acknowledging"]),
            acknowledge_days=int(w["deadlines"]["acknowledge_days"]),
            feedback_months=int(w["deadlines"]["feedback_months"]),
            evidence_kinds=list(w["evidence_kinds"]),
            retention_days={str(k): int(v) for k, v in w["retention_days"].items()},
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise PolicyError(f"workflow.yaml: missing or malformed {exc}") from None
    for name, targets in statuses.items():
        for t in targets:
            if t not in statuses:
                raise PolicyError(f"workflow.yaml: {name} moves to unknown status {t!r}")
    for s in (workflow.initial, workflow.closing, *workflow.acknowledging):
        if s not in statuses:
            raise PolicyError(f"workflow.yaml: unknown status {s!r}")
    unkept = [d for d in workflow.dispositions if workflow.retention_days.get(d, 0) < 1]
    if unkept or set(workflow.retention_days) - set(workflow.dispositions):
        raise PolicyError("workflow.yaml: retention_days needs a number of days (1 or more) "
                          f"for each disposition and no other: {workflow.dispositions}")
    bad_kinds = set(workflow.evidence_kinds) - set(EVIDENCE_KINDS)
    if bad_kinds:
        raise PolicyError(f"workflow.yaml: evidence kinds not in the case format: {bad_kinds}")

    r = _load("rewards.yaml", directory)
    bands = r.get("bands")
    if not isinstance(bands, list) or not all(isinstance(b, dict) and "id" in b for b in bands):
        raise PolicyError("rewards.yaml: bands must be a list of {id, min, max}")
    rewards = RewardPolicy(str(r.get("currency", "")), bands,
                           _rules(r.get("rules"), "rewards.yaml", {"deny", "band", "step_down"}))
    band_ids = {b["id"] for b in bands}
    for rule in rewards.rules:
        if "band" in rule.effect and rule.effect["band"] not in band_ids:
            raise PolicyError(f"rewards.yaml: {rule.id}: unknown band {rule.effect['band']!r}")

    le = _load("leniency.yaml", directory)
    levels, grounds = le.get("levels"), le.get("grounds")
    if not isinstance(levels, list) or not isinstance(grounds, dict):
        raise PolicyError("leniency.yaml: needs levels (a list) and grounds (a mapping)")
    leniency = LeniencyPolicy([str(x) for x in levels],
                              {str(k): str(v) for k, v in grounds.items()},
                              _rules(le.get("rules"), "leniency.yaml", {"ground", "level"}))
    for rule in leniency.rules:
        if rule.effect.get("level", levels[0]) not in levels:
            raise PolicyError(f"leniency.yaml: {rule.id}: unknown level {rule.effect['level']!r}")
        if "ground" in rule.effect and rule.effect["ground"] not in grounds:
            raise PolicyError(f"leniency.yaml: {rule.id}: unknown ground {rule.effect['ground']!r}")
    return Policies(workflow, rewards, leniency)


@cache
def policies() -> Policies:
    return load_policies()
