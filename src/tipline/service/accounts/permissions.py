"""Who may do what: the role matrix as data. "assigned" means only on cases assigned to them.

Admins run the system (accounts, audit) but read no case content; custodians guard reporter
identities but read no case content either: separation of duties, as in GlobaLeaks.
"""

from __future__ import annotations

from typing import Literal

Scope = Literal["all", "assigned"]
ROLES = ("investigator", "supervisor", "custodian", "admin")

MATRIX: dict[str, dict[str, Scope]] = {
    "case.create":      {"investigator": "all", "supervisor": "all"},
    "case.view":        {"investigator": "assigned", "supervisor": "all"},
    "case.edit":        {"investigator": "assigned", "supervisor": "all"},
    "case.status":      {"investigator": "assigned", "supervisor": "all"},
    "case.assign":      {"supervisor": "all"},
    "case.close":       {"supervisor": "all"},
    "case.hold":        {"supervisor": "all"},
    "outcome.assess":   {"supervisor": "all"},
    "message.reply":    {"investigator": "assigned", "supervisor": "all"},
    "identity.request": {"investigator": "assigned", "supervisor": "all"},
    "identity.decide":  {"custodian": "all"},
    "user.manage":      {"admin": "all"},
    "audit.view":       {"admin": "all"},
}


def scope(role: str, action: str) -> Scope | None:
    """The scope `role` has for `action`, or None when it may not do it at all."""
    return MATRIX[action].get(role)


def allowed(role: str, action: str, *, assigned: bool = True) -> bool:
    """May a user with `role` do `action` on a case (assigned to them or not)?"""
    s = scope(role, action)
    return s == "all" or (s == "assigned" and assigned)


def table() -> list[list[str]]:
    """The matrix as rows for the README and the admin page."""
    rows = [["action", *ROLES]]
    for action, grants in MATRIX.items():
        rows.append([action, *(grants.get(r, "-") for r in ROLES)])
    return rows
