"""Failed logins in the audit trail: the first of a burst at once, the rest counted (issue 14)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import PASSWORD, Staff
from tipline.service import audit
from tipline.service.accounts.failed_logins import FailedLogins
from tipline.service.models import AuditEntry
from tipline.service.runtime import Service
from tipline.service.staff.app import create_staff_app


def _entries(service: Service) -> list[tuple[str, str, dict[str, Any]]]:
    with service.database.session() as db:
        return [(e.actor, e.action, e.detail) for e in
                db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_is_one_entry_at_once_and_one_counted_entry_when_due(service: Service) -> None:
    clock = Clock()
    log = FailedLogins(quiet_s=900, summary_s=60, clock=clock)
    with service.database.session() as db:
        log.failed(db, "sue", "192.0.2.1")
    assert _entries(service) == [("sue", "login.failed", {"ip": "192.0.2.1"})]
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.2", "192.0.2.3"):
        clock.t += 5
        with service.database.session() as db:
            log.failed(db, "sue", ip)
    assert len(_entries(service)) == 1  # counted, not yet written
    assert log.flush_due(service.database) == 0
    clock.t += 60
    assert log.flush_due(service.database) == 1
    actor, action, detail = _entries(service)[-1]
    assert (actor, action, detail["count"]) == ("sue", "login.failed.repeated", 4)
    assert detail["addresses"] == {"192.0.2.1": 1, "192.0.2.2": 2, "192.0.2.3": 1}
    clock.t += 10  # still in the burst: counted again, written by the failure that is due
    with service.database.session() as db:
        log.failed(db, "sue", "192.0.2.4")
    clock.t += 61
    with service.database.session() as db:
        log.failed(db, "sue", "192.0.2.4")
    actor, action, detail = _entries(service)[-1]
    assert (action, detail["count"], detail["addresses"]) == (
        "login.failed.repeated", 2, {"192.0.2.4": 2})
    clock.t += 901  # quiet long enough: the next failure opens a new burst, written at once
    with service.database.session() as db:
        log.failed(db, "sue", "192.0.2.5")
    assert _entries(service)[-1] == ("sue", "login.failed", {"ip": "192.0.2.5"})
    with service.database.session() as db:
        assert audit.verify(db).ok


def test_a_successful_login_writes_the_count_before_itself(service: Service,
                                                          team: dict[str, Staff]) -> None:
    app = create_staff_app(service)
    for i in range(3):
        c = TestClient(app, client=(f"198.51.100.{i}", 5000))
        body = {"username": "ivy", "password": "wrong", "totp": "000000"}
        assert c.post("/api/v1/auth/token", json=body).status_code == 401
    right = {"username": "ivy", "password": PASSWORD, "totp": team["ivy"].code()}
    assert TestClient(app).post("/api/v1/auth/token", json=right).status_code == 200
    actions = [(actor, action) for actor, action, _ in _entries(service)]
    assert actions[-3:] == [("ivy", "login.failed"), ("ivy", "login.failed.repeated"),
                            ("ivy", "login")]
    assert _entries(service)[-2][2]["count"] == 2


def test_every_failure_of_a_flood_is_in_the_trail_with_two_writes(
        service: Service, team: dict[str, Staff]) -> None:
    """Before, each failure was a write of its own until the account's window filled, and
    the failures after it were not recorded at all: 30 guesses made 20 entries."""
    app = create_staff_app(service)
    per_client = service.settings.login_failures_per_client[0]
    answers = []
    for i in range(3):
        c = TestClient(app, client=(f"203.0.113.{i}", 5000))
        for _ in range(per_client):
            body = {"username": "sue", "password": "wrong", "totp": "000000"}
            answers.append(c.post("/api/v1/auth/token", json=body).status_code)
    assert set(answers) == {401, 429} and len(answers) == 30
    stop = threading.Event()
    stop.set()  # the flusher `tipline serve` runs: at stop it writes every count
    service.failed_logins.run(service.database, stop, every_s=0.01)
    failed = [(action, detail) for actor, action, detail in _entries(service)
              if actor == "sue"]
    assert [action for action, _ in failed] == ["login.failed", "login.failed.repeated"]
    assert failed[1][1]["count"] == 29
    assert sum(failed[1][1]["addresses"].values()) == 29
