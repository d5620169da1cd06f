"""The case store: typed SQLAlchemy 2 models. Migrations in `migrations/` must match these."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    """A staff account. Passwords are argon2id hashes; TOTP secrets enable the second factor."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed, see vault.py
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # no code is accepted twice
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A browser login. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for the API. Only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    user: Mapped[User] = relationship(lazy="joined")


class CaseRecord(Base):
    """A case: the case-file header plus workflow state; people, statements, evidence below."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(String(120), unique=True)
    received_at: Mapped[str] = mapped_column(String(40))  # ISO text, keeps the case's own offset
    language: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(200))
    reporter: Mapped[str | None] = mapped_column(String(120))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="received")
    disposition: Mapped[str | None] = mapped_column(String(20))
    disposition_reasons: Mapped[str | None] = mapped_column(Text)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    acknowledge_due: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None]
    feedback_due: Mapped[date] = mapped_column(Date)
    feedback_at: Mapped[datetime | None]
    outcome_facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Why the case must outlive its retention period (pending proceedings); None: no hold.
    legal_hold: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    people: Mapped[list[PersonRecord]] = relationship(
        order_by="PersonRecord.position", cascade="all, delete-orphan"
    )
    statements: Mapped[list[StatementRecord]] = relationship(
        order_by="StatementRecord.position", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[EvidenceRecord]] = relationship(
        order_by="EvidenceRecord.position", cascade="all, delete-orphan"
    )
    assignee: Mapped[User | None] = relationship(lazy="joined")


class PersonRecord(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("case_pk", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(20), default="other")
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StatementRecord(Base):
    """What someone said; an interview answer has `question` set."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("case_pk", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(120))
    by: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[str | None] = mapped_column(String(40))
    setting: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class EvidenceRecord(Base):
    __tablename__ = "evidence"
    __table_args__ = (UniqueConstraint("case_pk", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[str | None] = mapped_column(String(40))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan")


class Attachment(Base):
    """A file behind an evidence record, kept as a size-bounded blob so backups stay whole."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_pk: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    """The reporter's handle on a case: a public id and the receipt, stored as a slow hash."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(String(40), unique=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    receipt_prefix: Mapped[str] = mapped_column(String(8), index=True)
    receipt_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[CaseRecord] = relationship()


class Message(Base):
    """A message between reporter and staff; reporter messages also become statements."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))  # "reporter" | "staff"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[User | None] = relationship(lazy="joined")


class ReporterIdentity(Base):
    """Who the reporter is, encrypted with a key that never enters the database."""

    __tablename__ = "reporter_identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReporterUpload(Base):
    """A file the reporter sent. Staff see the cleaned copy (`attachment`, under a random
    name); the original and its name are sealed under a key derived from the identity key and
    open only through an approved request (subject "originals")."""

    __tablename__ = "reporter_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    attachment_pk: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # jpeg, png, pdf, text
    removed: Mapped[list[Any]] = mapped_column(default=list)  # what strip_metadata found
    size: Mapped[int] = mapped_column(Integer)  # of the original
    sha256: Mapped[str] = mapped_column(String(64))  # of the original
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attachment: Mapped[Attachment] = relationship(lazy="joined")


class IdentityRequest(Base):
    """A request, with a reason, to see a reporter's identity; a custodian decides."""

    __tablename__ = "identity_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # "identity" (the reporter's name and contact) or "originals" (the files as sent)
    subject: Mapped[str] = mapped_column(String(20), default="identity",
                                         server_default="identity")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    case: Mapped[CaseRecord] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id], lazy="joined")


class AnalysisResult(Base):
    """The analysis of one case version (the contract JSON), so pages need not recompute it."""

    __tablename__ = "analyses"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_version: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # service.engine_version of the analyzer that wrote it; None when unknown (a stand-in
    # analyzer, or written before it was recorded), which `tipline batch analyze` redoes.
    engine: Mapped[str | None] = mapped_column(String(80))


class Job(Base):
    """Work queued in the same transaction as the change that needs it, so none is lost."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # the running job's lease, refreshed while it runs
    finished_at: Mapped[datetime | None]


class CaseLinkRecords(Base):
    """A case's people and identifiers as `links.extract` reads them (`records_to_json`),
    kept so that linking in the background never reads a case twice."""

    __tablename__ = "case_link_records"
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    case_version: Mapped[int] = mapped_column(Integer)
    records: Mapped[dict[str, Any]]


class CaseLinkRow(Base):
    """One link between two cases (`case_a_pk` < `case_b_pk`) with its reasons (the fields of
    `links.link.Reason`), found by the worker when either case last changed."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_a_pk", "case_b_pk"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_a_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                           index=True)
    case_b_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                           index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]]


class AuditEntry(Base):
    """One link of the hash chain: hash = sha256(prev_hash + canonical JSON of the content)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(String(120), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's tip (one row). Updating it first serialises appends on both databases."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
