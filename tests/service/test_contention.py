"""Issue 14 item 1: no database lock is held across the wrong-receipt delay or an argon2 hash,
and a flood of wrong receipts and failed logins neither errors nor stalls legitimate users."""

from __future__ import annotations

import dataclasses
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests.service.conftest import PASSWORD, Staff, add_staff
from tipline.service.reporter import followup
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service, open_service
from tipline.service.staff.app import create_staff_app


def test_no_write_lock_is_held_while_hashing_or_delaying(
        service: Service, team: dict[str, Staff], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every argon2 hash or verify and every wrong-receipt delay finds SQLite's write lock
    free: another connection takes it at once (timeout 0)."""
    if service.database.engine.dialect.name != "sqlite":
        pytest.skip("the lock probe is SQLite's")
    path = make_url(service.settings.db_url).database
    assert path
    held: list[str] = []

    def probe(what: str) -> None:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            held.append(what)
        finally:
            conn.close()

    class Probing(PasswordHasher):
        def hash(self, *args: Any, **kwargs: Any) -> str:
            probe("hash")
            return super().hash(*args, **kwargs)

        def verify(self, *args: Any, **kwargs: Any) -> Any:
            probe("verify")
            return super().verify(*args, **kwargs)

    s = service.settings
    service.hasher = Probing(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                             parallelism=s.argon2_parallelism)

    async def penalty(seconds: float) -> None:
        probe("delay")

    monkeypatch.setattr(followup, "penalty", penalty)
    reporter = TestClient(create_reporter_app(service))
    staff = TestClient(create_staff_app(service))
    receipt = reporter.post("/api/v1/reports", json={"text": "Cash in envelopes."}
                            ).json()["receipt"]
    near_miss = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")  # same prefix: a verify
    assert reporter.get("/api/v1/followup", headers={"X-Receipt": near_miss}).status_code == 401
    assert reporter.post("/followup", data={"receipt": near_miss}).status_code == 401
    assert reporter.get("/api/v1/followup", headers={"X-Receipt": receipt}).status_code == 200
    assert staff.post("/api/v1/auth/token", json={"username": "ivy", "password": "wrong",
                                                  "totp": "000000"}).status_code == 401
    assert staff.post("/api/v1/auth/token", json={"username": "ivy", "password": PASSWORD,
                                                  "totp": team["ivy"].code()}).status_code == 200
    assert held == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app under a real uvicorn (its thread pool, its event loop) on a free port."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_flood_of_wrong_receipts_and_logins_does_not_stall_legitimate_users(
        service: Service, tmp_path: Any) -> None:
    """40 wrong receipts and 20 failed logins in parallel, each from its own loopback address
    and a production-like 1 s delay, while a reporter submits and follows up and a supervisor
    logs in: no 5xx, nothing refused, and each legitimate request answered within seconds.
    Before the fix each wrong receipt held SQLite's write lock through its delay: the report
    waited for all of them in turn (and past the busy timeout, "database is locked")."""
    settings = dataclasses.replace(service.settings, receipt_delay_s=1.0,
                                   argon2_memory_kib=8 * 1024, argon2_time_cost=2)
    svc = open_service(settings, migrate_schema=False)
    svc.analyzer = service.analyzer
    sue = add_staff(svc, "sue", "supervisor")
    answers: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def call(kind: str, source: str, method: str, url: str, **kw: Any) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(transport=transport, timeout=60) as client:
            start = time.monotonic()
            r = client.request(method, url, **kw)
            with lock:
                answers.append((kind, r.status_code, time.monotonic() - start))
            return r

    try:
        with serving(create_reporter_app(svc)) as rep, serving(create_staff_app(svc)) as stf:
            receipt = call("warm-up", "127.0.0.1", "POST", f"{rep}/api/v1/reports",
                           json={"text": "First report."}).json()["receipt"]
            attack = [threading.Thread(target=call, args=(
                "wrong receipt", f"127.0.1.{i}", "GET", f"{rep}/api/v1/followup"),
                kwargs={"headers": {"X-Receipt": f"{i:04d}-0000-0000-0000-0000-0000"}})
                for i in range(40)]
            attack += [threading.Thread(target=call, args=(
                "failed login", f"127.0.2.{i}", "POST", f"{stf}/api/v1/auth/token"),
                kwargs={"json": {"username": "sue", "password": "guess", "totp": "000000"}})
                for i in range(20)]
            for t in attack:
                t.start()
            time.sleep(0.3)  # the flood is under way
            new = call("new report", "127.0.3.1", "POST", f"{rep}/api/v1/reports",
                       json={"text": "Second report, during the flood."})
            read = call("correct receipt", "127.0.3.2", "GET", f"{rep}/api/v1/followup",
                        headers={"X-Receipt": receipt})
            login = call("correct login", "127.0.3.3", "POST", f"{stf}/api/v1/auth/token",
                         json={"username": "sue", "password": PASSWORD, "totp": sue.code()})
            for t in attack:
                t.join()
    finally:
        svc.database.dispose()
    for kind in dict.fromkeys(a[0] for a in answers):  # shown with pytest -s
        print(f"{kind}: {sorted((a[1], round(a[2], 2)) for a in answers if a[0] == kind)[-3:]}")
    assert [a for a in answers if a[1] >= 500] == []
    assert (new.status_code, read.status_code, login.status_code) == (201, 200, 200)
    assert {a[1] for a in answers if a[0] == "wrong receipt"} == {401}
    slow = [a for a in answers if a[0] in ("new report", "correct receipt", "correct login")
            and a[2] > 3.0]
    assert slow == []


def test_no_write_lock_is_held_while_a_page_analyses(
        service: Service, team: dict[str, Staff]) -> None:
    """A findings page or analysis request that finds no stored analysis runs the analyzer
    (seconds, for the real one) after committing, not inside the request's transaction."""
    if service.database.engine.dialect.name != "sqlite":
        pytest.skip("the lock probe is SQLite's")
    path = make_url(service.settings.db_url).database
    assert path
    held: list[bool] = []
    analyse = service.analyzer

    def probing(case: Any) -> Any:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            held.append(False)
        except sqlite3.OperationalError:
            held.append(True)
        finally:
            conn.close()
        return analyse(case)

    service.analyzer = probing
    staff = TestClient(create_staff_app(service))
    h = {"Authorization": "Bearer " + staff.post("/api/v1/auth/token", json={
        "username": "sue", "password": PASSWORD, "totp": team["sue"].code()}).json()[
        "access_token"]}
    case = {"id": "an-1", "received_at": "2025-01-01T10:00:00+00:00",
            "people": [{"id": "P1", "role": "reporter"}],
            "statements": [{"id": "S1", "by": "P1", "text": "Cash."},
                           {"id": "S2", "by": "P1", "text": "No cash."}]}
    assert staff.post("/api/v1/cases", json=case, headers=h).status_code == 201
    r = staff.get("/api/v1/cases/an-1/analysis", headers=h)
    assert r.status_code == 200 and r.json()["findings"]
    assert staff.get("/api/v1/cases/an-1/analysis", headers=h).json() == r.json()  # stored
    assert held == [False]


def test_receipt_and_password_checks_read_without_waiting_for_a_writer(
        service: Service, team: dict[str, Staff]) -> None:
    """The reads a flood of guesses makes take no write lock: with another transaction holding
    SQLite's write lock, a wrong receipt and a failed login are answered at once."""
    if service.database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer")
    path = make_url(service.settings.db_url).database
    assert path
    reporter = TestClient(create_reporter_app(service))
    staff = TestClient(create_staff_app(service))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        assert reporter.get("/api/v1/followup", headers={
            "X-Receipt": "0000-0000-0000-0000-0000-0000"}).status_code == 401
        from tipline.service.accounts import auth
        with service.database.session() as db:
            assert auth.authenticate(service.database, db, service.hasher, service.vault,
                                     "ivy", "guess", "000000") is None
        assert time.monotonic() - start < 5  # not the 30 s busy timeout
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert staff.get("/login").status_code == 200


def test_a_request_holds_no_lock_between_its_dependency_and_its_route(
        service: Service, team: dict[str, Staff]) -> None:
    """FastAPI runs a sync dependency and the route in two threads, one after the other; the
    route waits for a free thread in between. Were the bearer-token check to open the
    request's transaction (SQLite's write lock, a pooled connection on PostgreSQL), requests
    queued for that lock would take every thread, and the route would never get one: all of
    them waited out the 30 s busy timeout and answered 500 under the load tool's attack.
    Here the app has two threads; API reads and failed logins, in parallel, all answer."""
    from contextlib import asynccontextmanager

    from anyio import to_thread

    sue = team["sue"]
    staff_app = create_staff_app(service)

    @asynccontextmanager
    async def few_threads(app: Any) -> Any:
        to_thread.current_default_thread_limiter().total_tokens = 2
        yield

    staff_app.router.lifespan_context = few_threads

    with TestClient(staff_app) as warm:
        token = warm.post("/api/v1/auth/token", json={
            "username": "sue", "password": PASSWORD, "totp": sue.code()}).json()["access_token"]
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()

    def call(source: str, method: str, url: str, **kw: Any) -> None:
        transport = httpx.HTTPTransport(local_address=source)
        with httpx.Client(transport=transport, timeout=60) as client:
            start = time.monotonic()
            r = client.request(method, url, **kw)
            with lock:
                answers.append((r.status_code, time.monotonic() - start))

    with serving(staff_app) as stf:
        threads = [threading.Thread(target=call, args=(
            "127.0.4.1", "GET", f"{stf}/api/v1/cases"),
            kwargs={"headers": {"Authorization": f"Bearer {token}"}}) for _ in range(15)]
        threads += [threading.Thread(target=call, args=(
            f"127.0.4.{i + 2}", "POST", f"{stf}/api/v1/auth/token"),
            kwargs={"json": {"username": "ivy", "password": "guess", "totp": "000000"}})
            for i in range(15)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted({code for code, _ in answers}) == [200, 401]
    assert max(seconds for _, seconds in answers) < 10
