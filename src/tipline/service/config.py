"""Settings read once from the environment, so tests can pass cheaper ones explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tipline.imports.base import MAX_IMPORT_BYTES
from tipline.service.identity import IdentityKeyError


def data_dir() -> Path:
    """Where the default SQLite file and the identity key live: $TIPLINE_DATA_DIR or ./var/."""
    return Path(os.environ.get("TIPLINE_DATA_DIR") or "var").resolve()


def default_db_url() -> str:
    url = os.environ.get("TIPLINE_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'tipline.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Tunables. Production defaults are deliberately slow where slowness is the defence."""

    db_url: str = field(default_factory=default_db_url)
    data_dir: Path = field(default_factory=data_dir)
    # argon2id (RFC 9106 second recommendation); tests lower these, production must not.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 1
    # A wrong receipt is answered only after this delay, to slow guessing.
    receipt_delay_s: float = 1.0
    # Throttles: (events, window seconds).
    receipt_failures_per_client: tuple[int, float] = (5, 300.0)
    receipt_failures_global: tuple[int, float] = (200, 60.0)
    submissions_per_client: tuple[int, float] = (5, 600.0)
    submissions_global: tuple[int, float] = (500, 3600.0)
    login_failures_per_client: tuple[int, float] = (10, 300.0)
    # Per user name, from any address: slows a spread-out guess at one account without letting
    # a stranger lock its owner out for long.
    login_failures_per_account: tuple[int, float] = (20, 900.0)
    # Where the throttles count: None keeps them in this process; a redis:// URL shares them
    # between processes (TIPLINE_REDIS_URL). The prefix keeps deployments on one Redis apart.
    redis_url: str | None = None
    redis_prefix: str = "tipline:throttle"
    max_report_chars: int = 50_000
    max_attachment_bytes: int = 10 * 1024 * 1024
    max_case_bytes: int = 20 * 1024 * 1024
    # Files a reporter attaches: each, all of one report (with its follow-ups), and per form.
    max_upload_bytes: int = 10 * 1024 * 1024
    max_report_upload_bytes: int = 20 * 1024 * 1024
    max_upload_files: int = 5
    # A file a staff member imports as evidence records (staff page and API): the CLI's limit,
    # TIPLINE_MAX_IMPORT_BYTES (default 100 MB); the import request may be this large.
    max_import_bytes: int = MAX_IMPORT_BYTES
    session_hours: float = 8.0
    token_hours: float = 12.0
    secure_cookies: bool = False  # set behind TLS: TIPLINE_SECURE_COOKIES=1
    # The reverse proxy whose X-Forwarded-For is believed (TIPLINE_TRUSTED_PROXY, an address
    # or a comma-separated list); None believes no one, so a client cannot name its own
    # address to slip past the per-client throttles.
    trusted_proxy: str | None = None
    # The analysis worker `tipline serve` runs (TIPLINE_ANALYSIS_THREAD=0: none; run
    # `tipline worker` beside it): by default a child process at a lower priority
    # (jobs.WorkerProcess); TIPLINE_ANALYSIS_PROCESS=0 runs it as a thread in the server's own
    # process instead, where a busy analyzer competes with the requests for Python's
    # interpreter lock and the cores, and every transaction then takes longer.
    run_worker: bool = True
    worker_process: bool = True
    # `tipline serve` runs the staff app in a child process of its own (commands.StaffProcess),
    # so each app has an interpreter lock, an event loop and a core to itself;
    # TIPLINE_STAFF_PROCESS=0 serves both from one process. Each app's throttles are its own
    # either way (none is shared between the apps).
    staff_process: bool = True

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        """Settings for a command. A server database (not SQLite) needs the identity key's
        place said outright: a key found or made relative to the working directory would be a
        different key from another folder, and every sealed identity and TOTP seed unreadable."""
        url = db_url or default_db_url()
        if not url.startswith("sqlite") and not (os.environ.get("TIPLINE_DATA_DIR")
                                                 or os.environ.get("TIPLINE_IDENTITY_KEY")):
            raise IdentityKeyError(
                "with a database other than SQLite, set TIPLINE_IDENTITY_KEY (the key) or "
                "TIPLINE_DATA_DIR (the folder holding identity.key), so every process uses "
                "the same identity key whatever folder it starts in")
        return cls(
            db_url=url,
            secure_cookies=os.environ.get("TIPLINE_SECURE_COOKIES", "") == "1",
            redis_url=os.environ.get("TIPLINE_REDIS_URL") or None,
            trusted_proxy=os.environ.get("TIPLINE_TRUSTED_PROXY") or None,
            run_worker=os.environ.get("TIPLINE_ANALYSIS_THREAD", "1") != "0",
            worker_process=os.environ.get("TIPLINE_ANALYSIS_PROCESS", "1") != "0",
            staff_process=os.environ.get("TIPLINE_STAFF_PROCESS", "1") != "0",
        )
