"""Fixtures: every service test runs on SQLite (a temp file) and on PostgreSQL (a throwaway
database created for this session and dropped after; skipped only when PostgreSQL is down)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from tipline.service import migrate
from tipline.service.config import Settings
from tipline.service.db import make_engine
from tipline.service.models import Base
from tipline.service.runtime import Service, open_service

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def fast_settings(db_url: str, data_dir: Path) -> Settings:
    """Cheap argon2 and short delays: tests run on shared cores. Production keeps defaults."""
    return Settings(db_url=db_url, data_dir=data_dir, argon2_time_cost=1,
                    argon2_memory_kib=1024, receipt_delay_s=0.01, run_worker=False)


def _pg_admin():  # type: ignore[no-untyped-def]
    engine = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # unreachable: skip, never fail
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {type(exc).__name__}")
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
    yield svc
    svc.database.dispose()
