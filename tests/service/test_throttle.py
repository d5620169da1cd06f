"""Throttles: the sliding window in memory and in Redis, per-account login limits, and limits
that hold across server processes when they share Redis."""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from tests.service.conftest import PASSWORD, Staff, add_staff, fast_settings
from tipline.service.runtime import Service, open_service
from tipline.service.staff.app import create_staff_app
from tipline.service.throttle import RedisThrottle, Throttle, ThrottleStoreError, Window

REDIS_URL = os.environ.get("TIPLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = b"k" * 32


@pytest.fixture(scope="module")
def redis_client() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # unreachable: skip, never fail
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {type(exc).__name__}")
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: Redis) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted after."""
    name = f"tipline-test:{secrets.token_hex(6)}"
    yield name
    for key in redis_client.scan_iter(f"{name}:*"):
        redis_client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def make_window(request: pytest.FixtureRequest) -> Callable[[int, float], Window]:
    if request.param == "memory":
        return Throttle
    client = request.getfixturevalue("redis_client")
    name = request.getfixturevalue("prefix")
    return lambda limit, window_s: RedisThrottle(client, name, limit, window_s, SECRET)


def test_window_fills_then_empties(make_window: Callable[[int, float], Window]) -> None:
    w = make_window(3, 0.5)
    for _ in range(2):
        w.hit("10.0.0.1")
    assert not w.blocked("10.0.0.1") and w.retry_after("10.0.0.1") == 1
    w.hit("10.0.0.1")
    assert w.blocked("10.0.0.1") and not w.blocked("10.0.0.2")
    assert w.retry_after("10.0.0.1") == 1  # whole seconds, rounded up from under 0.5
    time.sleep(0.6)
    assert not w.blocked("10.0.0.1")


def test_retry_after_counts_to_the_event_that_frees_a_place(
        make_window: Callable[[int, float], Window]) -> None:
    w = make_window(2, 60)
    for _ in range(3):
        w.hit("a")
    assert 58 <= w.retry_after("a") <= 60


def test_redis_window_is_shared_and_keys_are_not_in_the_clear(
        redis_client: Redis, prefix: str) -> None:
    """Two clients stand for two server processes: events of one count in the other."""
    other = Redis.from_url(REDIS_URL)
    one = RedisThrottle(redis_client, prefix, 2, 60, SECRET)
    two = RedisThrottle(other, prefix, 2, 60, SECRET)
    one.hit("203.0.113.9")
    two.hit("203.0.113.9")
    assert one.blocked("203.0.113.9") and two.blocked("203.0.113.9")
    keys = [k.decode() for k in redis_client.scan_iter(f"{prefix}:*")]
    assert len(keys) == 1 and "203.0.113.9" not in keys[0]
    assert 0 < redis_client.ttl(keys[0]) <= 60  # gone with its last event
    other.close()


def _login(client: TestClient, username: str, staff: Staff | None,
           password: str = PASSWORD) -> int:
    body = {"username": username, "password": password,
            "totp": staff.code() if staff else "000000"}
    return client.post("/api/v1/auth/token", json=body).status_code


def test_failed_logins_are_throttled_per_client(service: Service, team: dict[str, Staff]) -> None:
    c = TestClient(create_staff_app(service), client=("198.51.100.7", 5000))
    for _ in range(service.settings.login_failures_per_client[0]):
        assert _login(c, "nobody", None, "wrong") == 401
    r = c.post("/api/v1/auth/token", json={"username": "ivy", "password": PASSWORD,
                                           "totp": team["ivy"].code()})
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 300
    other = TestClient(create_staff_app(service), client=("198.51.100.8", 5000))
    assert _login(other, "ivy", team["ivy"]) == 200


def test_failed_logins_are_throttled_per_account_from_any_address(
        service: Service, team: dict[str, Staff]) -> None:
    service.account_failures.limit = 3
    app = create_staff_app(service)
    for i, name in enumerate(["ivy", "IVY", " Ivy "]):  # one account, however it is typed
        c = TestClient(app, client=(f"192.0.2.{i}", 5000))
        assert _login(c, name, None, "wrong") == 401
    fresh = TestClient(app, client=("192.0.2.99", 5000))
    assert _login(fresh, "ivy", None, "wrong") == 429  # further guesses at ivy are refused
    assert _login(fresh, "ian", team["ian"]) == 200  # other accounts are untouched


def test_strangers_failures_never_lock_out_the_right_password_and_code(
        service: Service, team: dict[str, Staff]) -> None:
    """Issue 14 item 3: 250 failed logins from 25 addresses refused a supervisor with the
    right password and code. The account and overall windows refuse wrong attempts only."""
    app = create_staff_app(service)
    for i in range(25):  # each address stays under its own limit
        c = TestClient(app, client=(f"203.0.113.{i}", 5000))
        for _ in range(service.settings.login_failures_per_client[0] - 1):
            assert _login(c, "sue", None, "wrong") in (401, 429)
    assert service.account_failures.blocked("sue") and service.login_failures.overall_blocked()
    sue = TestClient(app, client=("198.51.100.50", 5000))
    assert _login(sue, "sue", None, "wrong") == 429
    assert _login(sue, "sue", team["sue"]) == 200
    form = sue.get("/login").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    r = sue.post("/login", data={"csrf_token": csrf, "username": "sue", "password": PASSWORD,
                                 "totp": team["sue"].code(), "next": "/"})
    assert r.status_code == 200 and 'action="/logout"' in r.text


def test_limits_hold_across_processes_sharing_redis(service: Service, prefix: str,
                                                    tmp_path: Path) -> None:
    """Two services on one database and one Redis stand for two server processes."""
    settings = dataclasses.replace(fast_settings(service.settings.db_url, tmp_path),
                                   redis_url=REDIS_URL, redis_prefix=prefix)
    first, second = (open_service(settings, migrate_schema=False) for _ in range(2))
    try:
        ada = add_staff(first, "ada2", "admin")
        a = TestClient(create_staff_app(first), client=("198.51.100.20", 5000))
        b = TestClient(create_staff_app(second), client=("198.51.100.20", 5000))
        limit = settings.login_failures_per_client[0]
        for i in range(limit):
            assert _login(a if i % 2 else b, "nobody", None, "wrong") == 401
        assert _login(a, "ada2", ada) == 429 and _login(b, "ada2", ada) == 429
    finally:
        first.database.dispose()
        second.database.dispose()


def test_unreachable_redis_fails_at_start(service: Service, tmp_path: Path) -> None:
    settings = dataclasses.replace(fast_settings(service.settings.db_url, tmp_path),
                                   redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(ThrottleStoreError, match="TIPLINE_REDIS_URL"):
        open_service(settings, migrate_schema=False)


def test_a_wrong_one_time_code_costs_no_password_hash(
        service: Service, team: dict[str, Staff]) -> None:
    """A flood of failed logins cannot know the code: checked first, it spares the argon2
    check, which is paid only once the code is right."""
    from argon2 import PasswordHasher

    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append("verify")
            return super().verify(*args, **kwargs)

    s = service.settings
    service.hasher = Counting(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib,
                              parallelism=s.argon2_parallelism)
    c = TestClient(create_staff_app(service), client=("198.51.100.60", 5000))
    assert _login(c, "ivy", None, "guess") == 401
    assert _login(c, "nobody", None, "guess") == 401
    assert calls == []
    assert _login(c, "ivy", team["ivy"], "guess") == 401 and calls == ["verify"]
    assert _login(c, "ivy", team["ivy"]) == 200


def test_a_throttled_client_is_refused_before_the_route(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14: a client over its own window on a guessing route gets the route's 429 (same
    words, a Retry-After, the security headers) before any body is parsed, any worker thread
    or database session is used: under an attack nearly every guess is one of these. Proof
    that it is answered first: a body the route would refuse as malformed (422) gets the 429,
    and no database session is opened. Other clients and routes are untouched."""
    from tipline.service.reporter.app import create_reporter_app

    staff = TestClient(create_staff_app(service), client=("198.51.100.9", 5000))
    reporter = TestClient(create_reporter_app(service), client=("198.51.100.9", 5000))
    for _ in range(service.settings.login_failures_per_client[0]):
        service.login_failures.hit("198.51.100.9")
    for _ in range(service.settings.receipt_failures_per_client[0]):
        service.receipt_failures.hit("198.51.100.9")
    opened: list[bool] = []
    real = service.database.session
    monkeypatch.setattr(service.database, "session", lambda: opened.append(True) or real())
    r = staff.post("/api/v1/auth/token", json={"not": "a login"})
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 300
    assert r.json() == {"detail": "too many failed logins; try again later"}
    assert r.headers["x-frame-options"] == "DENY"
    r = reporter.get("/api/v1/followup", headers={"X-Receipt": "0000-0000"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.json() == {"detail": "too many wrong receipts; please try again later"}
    r = reporter.post("/api/v1/followup/messages", content=b"\xff not json")
    assert r.status_code == 429
    assert opened == []
    other = TestClient(create_staff_app(service), client=("198.51.100.10", 5000))
    assert other.post("/api/v1/auth/token", json={"not": "a login"}).status_code == 422


def test_argon2_leaves_the_requests_a_core() -> None:
    """Issue 14: at most one argon2 hash per core but one runs at once, on threads of lower
    priority. With one per core, 20 staff logging in together held both cores of a 2-core
    server, and new reports waited; at the requests' priority, a flood of failed logins slowed
    every other request under attack."""
    import threading

    from tipline.service.accounts import passwords

    assert [passwords.hash_slots(n) for n in (None, 1, 2, 4, 16)] == [1, 1, 1, 3, 15]
    pool = passwords.GatedHasher._pool
    assert pool._max_workers == passwords.hash_slots(os.cpu_count())  # type: ignore[attr-defined]

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    ours = nice()
    assert pool.submit(nice).result() == min(19, ours + passwords.HASH_NICE)
    hasher = passwords.GatedHasher(time_cost=1, memory_cost=8, parallelism=1)
    assert passwords.verify(hasher, hasher.hash("right"), "right")
    assert not passwords.verify(hasher, hasher.hash("right"), "wrong")
