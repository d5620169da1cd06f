"""Locust users for `scripts/load.py`: reporters, staff and (optionally) an attacker crowd.

Every client speaks from a loopback address of its own (127.x.y.z, bound as the source of its
TCP connections, as scripts/flood.py does), so the per-client throttles see distinct clients;
no X-Forwarded-For is sent. A reporter is a new person each round: a new address and a new
cookie jar, as a real reporter would be. `load.py` fills `CONFIG` before the users start.

Every request is named by what it is for; `EXPECTED` says which answers count as served.
Anything else a legitimate user gets is a refusal (4xx) or an error (5xx, or 0: no answer).
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
from typing import Any

import gevent
import pyotp
from geventhttpclient.client import HTTPClient, HTTPClientPool
from locust import FastHttpUser, HttpUser, User, task
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession
from urllib3 import PoolManager

from tipline.service.intake.receipts import ALPHABET

CONFIG: dict[str, Any] = {
    "reporter_url": "http://127.0.0.1:18000",
    "staff_url": "http://127.0.0.1:18001",
    "staff": [],  # [(user name, password, TOTP secret)]
    "think_s": (1.0, 3.0),  # a legitimate user's pause between two requests
    "attack_think_s": (0.5, 1.5),
    "relogin_s": 35.0,  # staff log in again (a new token) this often; one TOTP step is 30 s
    "timeout_s": 60.0,
}
WRONG = {401, 429}
EXPECTED: dict[str, set[int]] = {
    "submit (form)": {200},
    "follow-up by receipt": {200},
    "follow-up page in session": {200},
    "message in session": {200},
    "staff login (API)": {200},
    "staff case list (API)": {200},
    "staff case (API)": {200},
    "staff logout (API)": {204},
    "attack: wrong receipt": WRONG,
    "attack: failed login": WRONG,
}
_reporter_numbers = itertools.count()
_staff_numbers = itertools.count()
_attacker_numbers = itertools.count()


def address(block: int, n: int) -> str:
    """The n-th loopback address of a block (127.<block>.0.1 on): 62,500 per block."""
    return f"127.{block + n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"


def session_from(user: User, source: str) -> HttpSession:
    """A locust HTTP session whose connections leave from `source`."""
    return HttpSession("", user.environment.events.request, user,
                       pool_manager=PoolManager(maxsize=2, source_address=(source, 0)))


class _FromAddress(HTTPClientPool):
    """geventhttpclient's client pool, its connections bound to one source address (the
    library has no option for it: its pool's socket factory is wrapped)."""

    def __init__(self, source: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.source = source

    def get_client(self, url: Any) -> HTTPClient:
        client = super().get_client(url)
        pool = client._connection_pool
        if not getattr(pool, "bound_to", None):
            make = pool._create_tcp_socket

            def bound(family: int, socktype: int, protocol: int) -> Any:
                sock = make(family, socktype, protocol)
                sock.bind((self.source, 0))
                return sock

            pool._create_tcp_socket = bound  # type: ignore[method-assign]
            pool.bound_to = self.source  # type: ignore[attr-defined]
        return client


def fast_session_from(user: User, source: str) -> FastHttpSession:
    """A locust fast-HTTP session (geventhttpclient) whose connections leave from `source`."""
    return FastHttpSession("", user.environment.events.request, user,
                           client_pool=_FromAddress(source, concurrency=2,
                                                    network_timeout=CONFIG["timeout_s"]))


def think(key: str = "think_s") -> None:
    gevent.sleep(random.uniform(*CONFIG[key]))


def _check(resp: Any, must_contain: str | None = None) -> None:
    """Inside `catch_response`: mark an unexpected answer failed (the recorder counts it)."""
    if resp.status_code not in EXPECTED[resp.request_meta["name"]]:
        resp.failure(f"HTTP {resp.status_code}")
    elif must_contain and must_contain not in resp.text:
        resp.failure(f"answer without {must_contain!r}")
    else:
        resp.success()


class Reporter(HttpUser):
    """Submit a report by the form, open its follow-up with the receipt (which starts the
    follow-up session), read the page in the session, send a message, read it again."""

    host = "http://127.0.0.1"
    fixed_count = 50

    def wait_time(self) -> float:  # a new reporter soon follows the last one
        return random.uniform(*CONFIG["think_s"])

    @task
    def report_and_follow_up(self) -> None:
        rep = CONFIG["reporter_url"]
        client = session_from(self, address(20, next(_reporter_numbers)))
        to = CONFIG["timeout_s"]
        try:
            with client.post(f"{rep}/report", name="submit (form)", timeout=to,
                             catch_response=True, data={
                                 "text": f"Report {secrets.token_hex(4)}: the depot manager "
                                         "takes cash for permits, most Fridays since March.",
                                 "category": "bribery", "name": "", "contact": ""}) as r:
                _check(r, 'id="receipt">')
                if r.status_code != 200 or 'id="receipt">' not in r.text:
                    return
                receipt = r.text.split('id="receipt">')[1].split("<")[0]
            think()
            with client.post(f"{rep}/followup", data={"receipt": receipt}, timeout=to,
                             name="follow-up by receipt", catch_response=True) as r:
                _check(r, 'id="status"')
            think()
            with client.get(f"{rep}/followup", name="follow-up page in session", timeout=to,
                            catch_response=True) as r:
                _check(r, 'id="status"')
            think()
            with client.post(f"{rep}/followup/message", data={"text": "He asked again today."},
                             name="message in session", timeout=to, catch_response=True) as r:
                _check(r, 'id="sent"')
            think()
            with client.get(f"{rep}/followup", name="follow-up page in session", timeout=to,
                            catch_response=True) as r:
                _check(r, 'id="status"')
        finally:
            client.close()


class Staff(HttpUser):
    """A supervisor with the API: log in with password and one-time code, list the cases,
    open one; a new token every `relogin_s` (the old one revoked)."""

    host = "http://127.0.0.1"
    fixed_count = 20

    def wait_time(self) -> float:
        return random.uniform(*CONFIG["think_s"])

    def on_start(self) -> None:
        n = next(_staff_numbers)
        self.username, self.password, secret = CONFIG["staff"][n % len(CONFIG["staff"])]
        self.totp = pyotp.TOTP(secret)
        self.last_step = 0
        self.token = ""
        self.logged_in_at = 0.0
        self.client = session_from(self, address(40, n))
        self.login()

    def login(self) -> None:
        step = self.totp.timecode(time.time())
        if step <= self.last_step:  # a code is single-use: the next step (drift allowed)
            step = self.last_step + 1
        self.last_step = step
        with self.client.post(f"{CONFIG['staff_url']}/api/v1/auth/token", json={
                "username": self.username, "password": self.password,
                "totp": self.totp.generate_otp(step)}, name="staff login (API)",
                timeout=CONFIG["timeout_s"], catch_response=True) as r:
            _check(r)
            self.token = r.json()["access_token"] if r.status_code == 200 else ""
        self.logged_in_at = time.monotonic()

    @task
    def browse(self) -> None:
        stf, to = CONFIG["staff_url"], CONFIG["timeout_s"]
        if not self.token or time.monotonic() - self.logged_in_at > CONFIG["relogin_s"]:
            if self.token:
                with self.client.delete(f"{stf}/api/v1/auth/token", name="staff logout (API)",
                                        headers=self._auth(), timeout=to,
                                        catch_response=True) as r:
                    _check(r)
            self.login()
            return
        with self.client.get(f"{stf}/api/v1/cases", headers=self._auth(), timeout=to,
                             name="staff case list (API)", catch_response=True) as r:
            _check(r)
            ids = [c["case_id"] for c in r.json()[:50]] if r.status_code == 200 else []
        if ids:
            think()
            with self.client.get(f"{stf}/api/v1/cases/{random.choice(ids)}", timeout=to,
                                 headers=self._auth(), name="staff case (API)",
                                 catch_response=True) as r:
                _check(r)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Attacker(FastHttpUser):
    """One of the attacking addresses: a wrong receipt (well-formed, random), then a failed
    login on a real staff account, over and over. On locust's fast client (geventhttpclient):
    a real attack comes from other machines, so the crowd's own CPU on the server's two cores
    should be as small as it can be (requests' client cost ~1 ms of CPU a request)."""

    host = "http://127.0.0.1"
    fixed_count = 200

    def wait_time(self) -> float:
        return random.uniform(*CONFIG["attack_think_s"])

    def on_start(self) -> None:
        self.client = fast_session_from(self, address(30, next(_attacker_numbers)))

    @task
    def guess(self) -> None:
        guess = "".join(secrets.choice(ALPHABET) for _ in range(24))
        with self.client.get(f"{CONFIG['reporter_url']}/api/v1/followup",
                             headers={"X-Receipt": guess}, name="attack: wrong receipt",
                             catch_response=True) as r:
            _check(r)
        think("attack_think_s")
        victim = random.choice(CONFIG["staff"])[0] if CONFIG["staff"] else "admin"
        with self.client.post(f"{CONFIG['staff_url']}/api/v1/auth/token",
                              json={"username": victim, "password": "guess " + secrets.token_hex(3),
                                    "totp": f"{random.randrange(10**6):06d}"},
                              name="attack: failed login", catch_response=True) as r:
            _check(r)
