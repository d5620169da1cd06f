"""Staff authentication: argon2id passwords, TOTP, browser sessions and API bearer tokens.

Session cookies and bearer tokens are 256-bit random values; the database keeps only their
SHA-256, so a leaked dump cannot be replayed. Each session carries its own CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tipline.errors import TiplineError
from tipline.service.accounts import passwords
from tipline.service.accounts.permissions import ROLES
from tipline.service.accounts.vault import TotpVault, is_sealed
from tipline.service.db import Database
from tipline.service.models import ApiToken, StaffSession, User, utcnow

MIN_PASSWORD = 12


class AccountError(TiplineError):
    """An account that cannot be created as asked."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(db: Session, ph: PasswordHasher, username: str, role: str, password: str,
                *, vault: TotpVault | None) -> User:
    """A new account; with a vault it is enrolled for TOTP (the secret stored sealed)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if not username or len(username) > 80 or not username.isprintable():
        raise AccountError("the user name must be 1-80 printable characters")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, role=role, password_hash=ph.hash(password),
                totp_secret=vault.seal(pyotp.random_base32()) if vault else None, active=True)
    db.add(user)
    db.flush()
    return user


def totp_secret(user: User, vault: TotpVault) -> str | None:
    """The plain TOTP secret, to show once at enrolment (None: not enrolled)."""
    return vault.open(user.totp_secret) if user.totp_secret else None


def totp_uri(username: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Tipline")


def authenticate(database: Database, db: Session, ph: PasswordHasher, vault: TotpVault,
                 username: str, password: str, totp_code: str | None) -> User | None:
    """The user when password and (if enrolled) TOTP are right.

    The cheap check comes first: an enrolled account's one-time code is checked before the
    argon2 password check, and an unknown or inactive user name is refused as cheaply, so a
    flood of guesses (which cannot know the code) costs no argon2 time and timing tells
    nobody which enrolled accounts exist. Only a right code pays for the password check.

    The account is read in a short transaction of its own and the password checked after it
    ends: the argon2 time (and a rehash) never holds a database lock, which on SQLite would
    make every other request wait. `db`, the request's session, is touched only after."""
    with database.read() as peek:
        row = peek.execute(select(User.id, User.password_hash, User.active, User.totp_secret,
                                  User.totp_last_step).where(User.username == username)).first()
    if row is None or not row.active:
        totp_step(pyotp.random_base32(), totp_code or "", None)  # the same cheap work
        return None
    step = None
    if row.totp_secret:
        step = totp_step(vault.open(row.totp_secret), totp_code or "", row.totp_last_step)
        if step is None:
            return None
    if not passwords.verify(ph, row.password_hash, password):
        return None
    rehashed = ph.hash(password) if ph.check_needs_rehash(row.password_hash) else None
    user = db.get(User, row.id)
    if user is None or not user.active:
        return None
    if step is not None and user.totp_secret:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # the same code was used meanwhile, by a concurrent login
        user.totp_last_step = step
        if not is_sealed(user.totp_secret):
            user.totp_secret = vault.seal(user.totp_secret)
    if rehashed and user.password_hash == row.password_hash:
        user.password_hash = rehashed
    return user


def totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to (one step of clock drift allowed either way), or None.
    A step at or before the last one used is refused: an overheard code cannot be replayed
    (RFC 6238 section 5.2)."""
    code = code.strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now, now - 1, now + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(
                totp.generate_otp(step), code):
            return step
    return None


def issue_token(db: Session, user: User, hours: float) -> str:
    token = secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=digest(token),
                    expires_at=utcnow() + timedelta(hours=hours)))
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user


def revoke_token(db: Session, token: str) -> bool:
    """Delete a bearer token (an API client's logout); False when it was not a live token."""
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None:
        return False
    db.delete(row)
    return True


def start_session(db: Session, user: User, hours: float) -> str:
    token = secrets.token_urlsafe(32)
    db.add(StaffSession(user_id=user.id, token_hash=digest(token),
                        csrf_token=secrets.token_urlsafe(32),
                        expires_at=utcnow() + timedelta(hours=hours)))
    db.execute(delete(StaffSession).where(StaffSession.expires_at < utcnow()))
    return token


def session_for_cookie(db: Session, cookie: str | None) -> StaffSession | None:
    if not cookie:
        return None
    row = db.scalar(select(StaffSession).where(StaffSession.token_hash == digest(cookie)))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row


def end_session(db: Session, cookie: str | None) -> None:
    if cookie:
        db.execute(delete(StaffSession).where(StaffSession.token_hash == digest(cookie)))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
