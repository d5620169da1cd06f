"""Everything both apps share at run time: database, settings, policies, hashers, throttles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from sqlalchemy import select

from tipline.service import audit, migrate
from tipline.service.accounts import passwords
from tipline.service.accounts.failed_logins import FailedLogins
from tipline.service.accounts.vault import TotpVault
from tipline.service.config import Settings
from tipline.service.db import Database
from tipline.service.identity import IdentityBox, load_key
from tipline.service.intake import receipts
from tipline.service.intake.uploads import FileBox
from tipline.service.jobs import Analyzer, real_analyzer
from tipline.service.models import ReporterIdentity, ReporterUpload, User
from tipline.service.policy import Policies, policies
from tipline.service.throttle import PairThrottle, Throttles, Window


@dataclass
class Service:
    settings: Settings
    database: Database
    policies: Policies
    hasher: PasswordHasher
    identity: IdentityBox
    vault: TotpVault
    files: FileBox
    receipt_key: bytes  # receipts.derive_key(identity key): receipts are HMACs under it
    analyzer: Analyzer = real_analyzer
    throttle_secret: bytes = b""
    receipt_failures: PairThrottle = field(init=False)
    submissions: PairThrottle = field(init=False)
    login_failures: PairThrottle = field(init=False)
    account_failures: Window = field(init=False)
    failed_logins: FailedLogins = field(default_factory=FailedLogins)

    def __post_init__(self) -> None:
        s = self.settings
        make = Throttles(s.redis_url, s.redis_prefix, self.throttle_secret)
        make.check()
        self.receipt_failures = make.pair("receipt", s.receipt_failures_per_client,
                                          s.receipt_failures_global)
        self.submissions = make.pair("submit", s.submissions_per_client, s.submissions_global)
        self.login_failures = make.pair("login", s.login_failures_per_client,
                                        (s.login_failures_per_client[0] * 20,
                                         s.login_failures_per_client[1]))
        self.account_failures = make.window("account", s.login_failures_per_account)


def open_service(settings: Settings, *, migrate_schema: bool = True) -> Service:
    """Validate policies, load the identity key, bring the schema to head: fail fast at start."""
    pol = policies()
    database = Database(settings.db_url)
    if migrate_schema:
        migrate.upgrade(database.engine)
    with database.session() as db:
        audit.ensure_head(db)
        sealed = db.scalar(select(ReporterIdentity.id).limit(1)) is not None or db.scalar(
            select(User.id).where(User.totp_secret.is_not(None)).limit(1)) is not None or \
            db.scalar(select(ReporterUpload.id).limit(1)) is not None
    key = load_key(settings.data_dir, may_create=not sealed)
    return Service(settings=settings, database=database, policies=pol,
                   hasher=passwords.hasher(settings), identity=IdentityBox(key),
                   vault=TotpVault(key), files=FileBox(key),
                   receipt_key=receipts.derive_key(key),
                   throttle_secret=hashlib.sha256(b"tipline throttle keys:" + key).digest())
