"""Fixtures: every service test runs on SQLite (a temp file) and on PostgreSQL (a throwaway
database created for this session and dropped after; skipped only when PostgreSQL is down)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tipline.case import Case
from tipline.service import migrate
from tipline.service.accounts import auth
from tipline.service.config import Settings
from tipline.service.db import make_engine
from tipline.service.models import Base
from tipline.service.runtime import Service, open_service

PG_ADMIN = os.environ.get("TIPLINE_TEST_PG_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fast_settings(db_url: str, data_dir: Path) -> Settings:
    """Cheap argon2 and short delays: tests run on shared cores. Production keeps defaults."""
    return Settings(db_url=db_url, data_dir=data_dir, argon2_time_cost=1,
                    argon2_memory_kib=1024, receipt_delay_s=0.01, run_worker=False)


@dataclass(frozen=True)
class HandMadeAnalysis:
    """The analysis contract of shared/case-format.md, written by hand: the service only
    calls `to_dict()`, so its tests do not depend on the analyzer package's state."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


def stand_in_analyzer(case: Case) -> HandMadeAnalysis:
    """Every shape the pages must render: a contradiction between the first two statements
    (spans on their first words), an evidence conflict, a timeline. The real analyzer is
    another team's moving target; `test_jobs` runs it separately."""
    findings: list[dict[str, Any]] = []
    st = case.statements
    if len(st) >= 2:
        findings.append({"kind": "contradiction", "refs": [st[0].id, st[1].id], "score": 0.9,
                         "explanation": f"{st[0].id} and {st[1].id} cannot both be true.",
                         "spans": [{"ref": s.id, "start": 0, "end": min(12, len(s.text))}
                                   for s in st[:2]]})
    if st and case.evidence:
        findings.append({"kind": "evidence_conflict", "refs": [st[0].id, case.evidence[0].id],
                         "score": 0.8, "explanation": "The record says otherwise."})
    timeline = [{"at": i.at.date().isoformat(), "precision": "day", "refs": [i.id],
                 "text": i.text[:60]} for i in (*st, *case.evidence) if i.at]
    return HandMadeAnalysis({"case": case.id, "tipline_version": "test", "findings": findings,
                             "timeline": timeline})


def _pg_admin():  # type: ignore[no-untyped-def]
    engine = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # unreachable: skip, never fail
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {type(exc).__name__}")
    return engine


@contextmanager
def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """An empty database of `backend`; dropped (PostgreSQL) or deleted with tmp (SQLite)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / f'tipline-{secrets.token_hex(4)}.sqlite3'}"
        return
    admin = _pg_admin()
    name = f"tipline_test_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def db_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the session's tests of this backend."""
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[Service]:
    """A service on emptied tables: each test starts from a blank store."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    engine.dispose()
    svc = open_service(fast_settings(db_url, tmp_path), migrate_schema=False)
    svc.analyzer = stand_in_analyzer  # type: ignore[assignment]
    yield svc
    svc.database.dispose()


PASSWORD = "correct horse battery"


@dataclass
class Staff:
    """A staff account with the secrets a test needs to log in as it."""

    username: str
    role: str
    totp_secret: str
    last_step: int = 0

    def code(self) -> str:
        """A fresh code: codes are single-use, so a second login within the same 30 s uses
        the next step (accepted for clock drift)."""
        totp = pyotp.TOTP(self.totp_secret)
        step = max(totp.timecode(datetime.now(UTC)), self.last_step + 1)
        self.last_step = step
        return totp.generate_otp(step)


def add_staff(service: Service, username: str, role: str) -> Staff:
    with service.database.session() as db:
        user = auth.create_user(db, service.hasher, username, role, PASSWORD,
                                vault=service.vault)
        secret = auth.totp_secret(user, service.vault)
        assert secret
        return Staff(username, role, secret)


def token_for(client: TestClient, staff: Staff) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"username": staff.username,
                                               "password": PASSWORD, "totp": staff.code()})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def login_page(client: TestClient, staff: Staff) -> str:
    """Log in through the HTML form; returns the session's CSRF token from the next page."""
    form = client.get("/login").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"csrf_token": csrf, "username": staff.username,
                                    "password": PASSWORD, "totp": staff.code(), "next": "/"})
    assert r.status_code == 200, r.text
    return r.text.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.fixture
def staff_client(service: Service) -> TestClient:
    from tipline.service.staff.app import create_staff_app
    return TestClient(create_staff_app(service))


@pytest.fixture
def team(service: Service) -> dict[str, Staff]:
    return {name: add_staff(service, name, role) for name, role in [
        ("ivy", "investigator"), ("ian", "investigator"), ("sue", "supervisor"),
        ("cus", "custodian"), ("ada", "admin")]}
