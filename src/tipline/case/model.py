"""The case: people, what they said, and what the records show (shape of shared/case-format.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any

LANGUAGES = ("en", "zh", "mixed")
CHANNELS = ("hotline", "web", "letter", "email", "walk-in", "other")
ROLES = ("reporter", "subject", "witness", "officer", "other")
EVIDENCE_KINDS = (
    "bank_transfer",
    "location",
    "communication",
    "financial",
    "document",
    "registry",
    "note",
    "other",
)


@dataclass(frozen=True)
class Person:
    id: str
    name: str = ""
    role: str = "other"
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> tuple[str, ...]:
        """Every way the person may be written: name, aliases, and the id itself."""
        return tuple(n for n in (self.name, *self.aliases) if n)


@dataclass(frozen=True)
class Statement:
    id: str
    by: str
    text: str
    at: datetime | None = None
    setting: str | None = None
    question: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_answer(self) -> bool:
        return bool(self.question)


@dataclass(frozen=True)
class Evidence:
    id: str
    kind: str
    text: str
    at: datetime | None = None
    at_is_date: bool = False
    fields: dict[str, Any] = field(default_factory=dict, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Case:
    id: str
    received_at: datetime
    statements: tuple[Statement, ...]
    people: tuple[Person, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    language: str = "en"
    language_given: bool = False
    channel: str | None = None
    category: str | None = None
    reporter: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def tz(self) -> tzinfo | None:
        return self.received_at.tzinfo

    def local(self, moment: datetime | None) -> datetime | None:
        """A naive datetime in the case's own time zone; relative dates are anchored on it."""
        if moment is None:
            return None
        if moment.tzinfo is not None and self.tz is not None:
            moment = moment.astimezone(self.tz)
        return moment.replace(tzinfo=None)

    def anchor(self, item: Statement | Evidence) -> datetime:
        """Where relative dates in `item` are anchored: its own `at`, else `received_at`."""
        local = self.local(item.at) or self.local(self.received_at)
        assert local is not None
        return local

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def statement(self, statement_id: str) -> Statement | None:
        return next((s for s in self.statements if s.id == statement_id), None)

    def text_of(self, ref: str) -> str:
        """The text of a statement or evidence record by id ('' if unknown)."""
        items: tuple[Statement | Evidence, ...] = (*self.statements, *self.evidence)
        return next((item.text for item in items if item.id == ref), "")

    def to_dict(self) -> dict[str, Any]:
        """The case in the case-file shape, unknown fields kept."""
        out: dict[str, Any] = {"id": self.id}
        if self.language_given:
            out["language"] = self.language
        out["received_at"] = _iso(self.received_at)
        for key in ("channel", "category", "reporter"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["people"] = [
            _drop_none({"id": p.id, "name": p.name or None, "role": p.role,
                        "aliases": list(p.aliases) or None, **p.extra})
            for p in self.people
        ]
        out["statements"] = [
            _drop_none({"id": s.id, "by": s.by, "at": _iso(s.at), "setting": s.setting,
                        "question": s.question, "text": s.text, **s.extra})
            for s in self.statements
        ]
        out["evidence"] = [
            _drop_none({"id": e.id, "kind": e.kind,
                        "at": _iso(e.at.date() if e.at and e.at_is_date else e.at),
                        "text": e.text, "fields": e.fields or None, **e.extra})
            for e in self.evidence
        ]
        out.update(self.extra)
        return out


def _iso(value: datetime | date | time | None) -> str | None:
    return value.isoformat() if value is not None else None


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}
