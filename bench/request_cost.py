"""Server CPU per request, by route: what one request costs `tipline serve` (issue 14).

    .venv/bin/python bench/request_cost.py [--db sqlite postgresql] [--requests 2000]

Latency under load is mostly queueing for the server's two cores, so the cost that moves it is
CPU per request, which (unlike a p99) a quiet run measures to a few per cent. The server is the
load tool's (`scripts/load.py --serve`: production argon2 and throttles, no analysis worker);
one client at a time sends each kind of request, keep-alive, every client from its own loopback
address so no per-client window refuses it before the route, and the CPU of the server process
and its staff app's (user + system, from /proc) is read before and after each kind. The attack's
guesses are measured both as the route sees them (a new address's first guesses) and as the
early refusal answers them (an address over its window). One follow-up session sends every
message, and the page each message is answered with lists the session's messages so far (250 by
the end): that route's figure includes rendering them. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from load import PORTS, cpu_seconds, server_env, wait_until_up  # noqa: E402

from tipline.service.children import child_pids  # noqa: E402
from tipline.service.intake.receipts import ALPHABET  # noqa: E402

_addresses = itertools.count()


def address() -> str:
    n = next(_addresses)
    return f"127.{60 + n // 62_500}.{n // 250 % 250}.{n % 250 + 1}"


class Client:
    """One keep-alive connection to one app, from a loopback address of its own."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                               source_address=(source or address(), 0))
        self.cookie = ""

    def send(self, method: str, path: str, body: dict | str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        headers = dict(headers or {})
        data = None
        if isinstance(body, dict):
            data, headers["Content-Type"] = json.dumps(body), "application/json"
        elif isinstance(body, str):
            data, headers["Content-Type"] = body, "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server ended an idle keep-alive connection: connect again
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
        text = resp.read().decode(errors="replace")
        if cookie := resp.getheader("Set-Cookie"):
            self.cookie = cookie.split(";", 1)[0]
        return resp.status, text


@contextmanager
def server(backend: str) -> Iterator[tuple[subprocess.Popen[bytes], list[list[str]]]]:
    from tests.service.conftest import fresh_database

    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url, \
            (Path(tmp) / "server.log").open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "load.py"),
                                 "--serve", url, tmp, "process"],
                                env=server_env(url, tmp), stdout=log, stderr=subprocess.STDOUT)
        try:
            yield proc, wait_until_up(proc, Path(tmp))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def measure(pid: int, n: int, one: Callable[[int], int], threads: int = 1) -> tuple[float, str]:
    """Server CPU ms per request over `n` calls of `one(i)` (which returns the status)."""
    statuses: dict[int, int] = {}
    serving = [pid, *child_pids(pid)]  # the server and its staff app's process
    before = sum(cpu_seconds(p) for p in serving)
    with ThreadPoolExecutor(threads) as pool:
        for status in pool.map(one, range(n)):
            statuses[status] = statuses.get(status, 0) + 1
    spent = sum(cpu_seconds(p) for p in serving) - before
    return 1000 * spent / n, ", ".join(f"{s}×{c}" for s, c in sorted(statuses.items()))


def run(backend: str, n: int) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    with server(backend) as (proc, staff):
        name, password, secret = staff[0]
        reporter, desk = PORTS

        def report(i: int) -> int:
            c = Client(reporter)
            return c.send("POST", "/report", urlencode({
                "text": f"Report {i}: the depot manager takes cash for permits.",
                "category": "bribery", "name": "", "contact": ""}))[0]

        # a reporter with a follow-up session (a receipt opened once)
        opener = Client(reporter)
        _, page = opener.send("POST", "/report", urlencode({
            "text": "One report for its follow-up.", "category": "bribery"}))
        receipt = page.split('id="receipt">', 1)[1].split("<", 1)[0]
        status, _ = opener.send("POST", "/followup", urlencode({"receipt": receipt}))
        assert status == 200, status
        clerk = Client(desk)
        status, text = clerk.send("POST", "/api/v1/auth/token", {
            "username": name, "password": password, "totp": pyotp.TOTP(secret).now()})
        assert status == 200, text
        bearer = {"Authorization": f"Bearer {json.loads(text)['access_token']}"}
        _, cases = clerk.send("GET", "/api/v1/cases", headers=bearer)
        case_id = json.loads(cases)[0]["case_id"]

        def per_address(port: int, uses: int) -> Callable[[int], Client]:
            """A client per `uses` requests: a new address before its window would refuse."""
            clients: dict[int, Client] = {}

            def client(i: int) -> Client:
                if i // uses not in clients:
                    clients[i // uses] = Client(port)
                return clients[i // uses]
            return client

        logins_on = per_address(desk, 10)
        spent_receipts = Client(reporter)
        spent_logins = Client(desk)

        def wrong_receipt(c: Client) -> int:
            guess = "".join(secrets.choice(ALPHABET) for _ in range(24))
            return c.send("GET", "/api/v1/followup", headers={"X-Receipt": guess})[0]

        def failed_login(c: Client) -> int:
            return c.send("POST", "/api/v1/auth/token", {
                "username": name, "password": "guess", "totp": "000000"})[0]

        for _ in range(6):  # these two addresses over their windows
            wrong_receipt(spent_receipts)
        for _ in range(11):
            failed_login(spent_logins)
        kinds: list[tuple[str, Callable[[int], int], int, int]] = [
            ("follow-up page in session", lambda i: opener.send("GET", "/followup")[0], n, 1),
            ("message in session", lambda i: opener.send(
                "POST", "/followup/message", urlencode({"text": f"Message {i}"}))[0], n // 4, 1),
            ("submit (form)", report, n // 4, 1),
            ("staff case list (API)", lambda i: clerk.send(
                "GET", "/api/v1/cases", headers=bearer)[0], n // 4, 1),
            ("staff case (API)", lambda i: clerk.send(
                "GET", f"/api/v1/cases/{case_id}", headers=bearer)[0], n, 1),
            # the 1 s wrong-receipt delay: many at once, each from a new address
            ("attack: wrong receipt, routed", lambda i: wrong_receipt(Client(reporter)), n, 50),
            ("attack: failed login, routed", lambda i: failed_login(logins_on(i)), n, 1),
            ("attack: wrong receipt, refused early", lambda i: wrong_receipt(spent_receipts),
             n, 1),
            ("attack: failed login, refused early", lambda i: failed_login(spent_logins), n, 1),
        ]
        for label, one, count, threads in kinds:
            ms, answers = measure(proc.pid, count, one, threads)
            rows.append((label, ms, answers))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=2000, help="of the commonest kinds")
    args = parser.parse_args()
    results = {db: run(db, args.requests) for db in args.db}
    print("| request | " + " | ".join(f"{db} CPU ms" for db in args.db) + " | answers |")
    print("|---|" + "---:|" * len(args.db) + "---|")
    for i, (label, _, answers) in enumerate(next(iter(results.values()))):
        print(f"| {label} | " + " | ".join(f"{results[db][i][1]:.2f}" for db in args.db)
              + f" | {answers} |")


if __name__ == "__main__":
    main()
