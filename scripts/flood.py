"""A burst of legitimate users, with and without an attack, against both apps (issue 14).

    .venv/bin/python scripts/flood.py [sqlite] [postgresql]

Serves both apps in a child process (production argon2 and wrong-receipt delay, a fresh
database; PostgreSQL at TIPLINE_TEST_PG_URL as in the tests), then starts at once 50 reporters
(each from its own loopback address: submit the form, open the follow-up with the receipt,
three follow-up pages in the session, one message) and 10 staff API logins; the attack run
first starts 200 addresses each sending 4 wrong receipts and 4 failed logins. Prints one
Markdown table per run: latency per route and the answers counted (0 = no answer in 60 s).
A burst, not a load tool: every client starts at the same moment.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REP, STF = "http://127.0.0.1:18000", "http://127.0.0.1:18001"

results: list[tuple[str, int, float]] = []
lock = threading.Lock()


def serve(url: str, folder: str) -> None:
    """The child: migrate, add 10 investigators (their TOTP secrets to staff.json), serve."""
    import uvicorn
    from tests.service.conftest import add_staff

    from tipline.service import migrate
    from tipline.service.config import Settings
    from tipline.service.db import make_engine
    from tipline.service.reporter.app import create_reporter_app
    from tipline.service.runtime import open_service
    from tipline.service.staff.app import create_staff_app

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    svc = open_service(dataclasses.replace(Settings(db_url=url, data_dir=Path(folder)),
                                           run_worker=False), migrate_schema=False)
    staff = [add_staff(svc, f"staff{i}", "investigator").totp_secret for i in range(10)]
    (Path(folder) / "staff.json").write_text(json.dumps(staff))
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                             log_level="error", access_log=False))
               for app, port in ((create_reporter_app(svc), 18000),
                                 (create_staff_app(svc), 18001))]
    threading.Thread(target=servers[1].run, daemon=True).start()
    servers[0].run()


def timed(kind: str, client: httpx.Client, method: str, url: str, **kw: Any
          ) -> httpx.Response | None:
    start = time.monotonic()
    try:
        r: httpx.Response | None = client.request(method, url, **kw)
    except httpx.HTTPError:
        r = None
    with lock:
        results.append((kind, r.status_code if r is not None else 0, time.monotonic() - start))
    return r


def client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def reporter(i: int) -> None:
    with client(f"127.0.5.{i + 1}") as c:
        r = timed("submit (form)", c, "POST", f"{REP}/report", data={"text": f"Report {i}."})
        if r is None or r.status_code != 200:
            return
        receipt = r.text.split('id="receipt">')[1].split("<")[0]
        timed("follow-up by receipt", c, "POST", f"{REP}/followup", data={"receipt": receipt})
        for _ in range(3):
            timed("follow-up page in session", c, "GET", f"{REP}/followup")
        timed("message in session", c, "POST", f"{REP}/followup/message",
              data={"text": "More."})


def staff_login(i: int, secret: str) -> None:
    import pyotp

    with client(f"127.0.6.{i + 1}") as c:
        timed("staff login (API)", c, "POST", f"{STF}/api/v1/auth/token", json={
            "username": f"staff{i}", "password": "correct horse battery",
            "totp": pyotp.TOTP(secret).now()})


def attacker(i: int) -> None:
    with client(f"127.0.7.{i + 1}") as c:
        for n in range(4):
            timed("attack: wrong receipt", c, "GET", f"{REP}/api/v1/followup",
                  headers={"X-Receipt": f"{i:04d}-{n:04d}-0000-0000-0000-0000"})
            timed("attack: failed login", c, "POST", f"{STF}/api/v1/auth/token",
                  json={"username": "staff0", "password": "guess", "totp": "000000"})


def run(backend: str, attack: bool) -> None:
    from tests.service.conftest import fresh_database

    results.clear()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        proc = subprocess.Popen([sys.executable, __file__, "--serve", url, tmp])
        try:
            for _ in range(600):
                if (Path(tmp) / "staff.json").exists():
                    try:
                        httpx.get(f"{STF}/login")
                        break
                    except httpx.HTTPError:
                        pass
                time.sleep(0.1)
            secrets = json.loads((Path(tmp) / "staff.json").read_text())
            attackers = [threading.Thread(target=attacker, args=(i,))
                         for i in range(200 if attack else 0)]
            for t in attackers:
                t.start()
            time.sleep(1.0 if attack else 0)
            start = time.monotonic()
            users = [threading.Thread(target=reporter, args=(i,)) for i in range(50)]
            users += [threading.Thread(target=staff_login, args=(i, s))
                      for i, s in enumerate(secrets)]
            for t in users:
                t.start()
            for t in [*users, *attackers]:
                t.join()
            wall = time.monotonic() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"\n{backend}, {'with' if attack else 'without'} the attack "
          f"(legitimate users done in {wall:.1f} s):\n")
    print("| route | n | p50 ms | p95 ms | p99 ms | answers |")
    print("|---|---|---|---|---|---|")
    for kind in dict.fromkeys(k for k, _, _ in results):
        times = sorted(t for k, _, t in results if k == kind)
        codes: dict[int, int] = {}
        for k, code, _ in results:
            if k == kind:
                codes[code] = codes.get(code, 0) + 1
        q = statistics.quantiles(times, n=100, method="inclusive")
        print(f"| {kind} | {len(times)} | {q[49] * 1000:.0f} | {q[94] * 1000:.0f} | "
              f"{q[98] * 1000:.0f} | {', '.join(f'{c}×{n}' for c, n in sorted(codes.items()))} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], sys.argv[3])
    else:
        for backend in sys.argv[1:] or ["sqlite", "postgresql"]:
            for attack in (False, True):
                run(backend, attack)
