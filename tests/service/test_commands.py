"""The CLI end to end: `tipline user add`, `tipline audit verify` on a tampered log,
`tipline serve` answering on both ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from tipline.service.children import child_pids
from tipline.service.db import make_engine
from tipline.service.models import AuditEntry

TIPLINE = [
    str(Path(sys.executable).parent / "tipline")]


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([*TIPLINE, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TIPLINE_IDENTITY_KEY", None)
    env["TIPLINE_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_user_add_and_audit_verify(db_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path)
    # the shared database holds other tests' sealed secrets: a new key file would be refused
    env["TIPLINE_IDENTITY_KEY"] = Fernet.generate_key().decode()
    name = f"op{os.getpid()}{time.monotonic_ns() % 10**6}"
    r = _run(["user", "add", name, "--role", "supervisor", "--password-stdin", "--db", db_url],
             env, "a very long password\n")
    assert r.returncode == 0, r.stderr
    assert "secret:" in r.stdout and "otpauth://" in r.stdout
    r = _run(["user", "add", name, "--role", "boss", "--password-stdin", "--db", db_url],
             env, "a very long password\n")
    assert r.returncode == 2 and "unknown role" in r.stderr
    r = _run(["audit", "verify", "--db", db_url], env)
    assert r.returncode == 0 and "intact" in r.stdout, r.stderr
    tip = r.stdout.split("tip: ")[1].split()[0]
    r = _run(["audit", "verify", "--db", db_url, "--anchor", tip], env)
    assert r.returncode == 0 and "1 anchor(s) found" in r.stdout, r.stderr
    r = _run(["audit", "verify", "--db", db_url, "--anchor", "nonsense"], env)
    assert r.returncode == 2 and r.stderr.startswith("tipline: --anchor:"), r.stderr
    engine = make_engine(db_url)
    with engine.begin() as conn:
        seq = conn.execute(AuditEntry.__table__.select().order_by(
            AuditEntry.seq.desc()).limit(1)).one().seq
        conn.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="mallory"))
    r = _run(["audit", "verify", "--db", db_url], env)
    with engine.begin() as conn:  # restore, so later tests on this database see a whole chain
        conn.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="cli"))
    engine.dispose()
    assert r.returncode == 1
    assert f"AUDIT LOG BROKEN at entry {seq}" in r.stderr and "altered" in r.stderr
    # the altered entry's values are shown as what it now says, not as a true record
    assert "which may be the forgery:" in r.stderr and "'mallory'" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_both_apps_on_default_sqlite(tmp_path: Path) -> None:
    """Both apps from one process here (TIPLINE_STAFF_PROCESS=0); the default, the staff app
    in a process of its own, is the test after."""
    env = _env(tmp_path)
    env.pop("TIPLINE_DATABASE_URL", None)
    env["TIPLINE_STAFF_PROCESS"] = "0"
    rp, sp = _free_port(), _free_port()
    proc = subprocess.Popen([*TIPLINE, "serve", "--reporter-port", str(rp), "--staff-port",
                             str(sp)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            cwd=tmp_path)
    try:
        for _ in range(150):
            try:
                if httpx.get(f"http://127.0.0.1:{sp}/login").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.post(f"http://127.0.0.1:{rp}/api/v1/reports", json={"text": "tip"})
        assert r.status_code == 201
        # X-Forwarded-For from a local peer is not believed unless TIPLINE_TRUSTED_PROXY says
        # so: a flooder cannot name a new address per request to dodge its own limit
        codes = [httpx.post(f"http://127.0.0.1:{rp}/api/v1/reports", json={"text": "tip"},
                            headers={"X-Forwarded-For": f"10.9.9.{i}"}).status_code
                 for i in range(5)]
        assert codes == [201, 201, 201, 201, 429]
        assert httpx.get(f"http://127.0.0.1:{rp}/login").status_code == 404
        assert "/api/v1/cases" in httpx.get(f"http://127.0.0.1:{sp}/openapi.json").json()["paths"]
        assert (tmp_path / "data" / "tipline.sqlite3").exists()
        assert (tmp_path / "data" / "identity.key").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_port_in_use_stops_the_start_naming_it(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "TIPLINE_ANALYSIS_THREAD": "0"}
    env.pop("TIPLINE_DATABASE_URL", None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([*TIPLINE, "serve", "--reporter-port", str(_free_port()),
                            "--staff-port", str(port)], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert f"tipline: the staff app cannot listen on 127.0.0.1:{port}" in r.stderr, r.stderr


def test_trusted_proxy_is_a_setting(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tipline.service.commands import proxy_options
    from tipline.service.config import Settings

    monkeypatch.delenv("TIPLINE_TRUSTED_PROXY", raising=False)
    assert proxy_options(Settings.from_env("sqlite:///x")) == {"proxy_headers": False}
    monkeypatch.setenv("TIPLINE_TRUSTED_PROXY", "10.0.0.5")
    assert proxy_options(Settings.from_env("sqlite:///x")) == {
        "proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}


def test_the_analysis_thread_can_be_left_to_tipline_worker(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """TIPLINE_ANALYSIS_THREAD=0: `tipline serve` starts no analysis thread of its own."""
    from tipline.service.config import Settings

    monkeypatch.delenv("TIPLINE_ANALYSIS_THREAD", raising=False)
    assert Settings.from_env("sqlite:///x").run_worker is True
    monkeypatch.setenv("TIPLINE_ANALYSIS_THREAD", "0")
    assert Settings.from_env("sqlite:///x").run_worker is False


def test_the_staff_app_can_be_served_from_the_servers_own_process(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """TIPLINE_STAFF_PROCESS=0: both apps from one process (the staff app on a thread)."""
    from tipline.service.config import Settings

    monkeypatch.delenv("TIPLINE_STAFF_PROCESS", raising=False)
    assert Settings.from_env("sqlite:///x").staff_process is True
    monkeypatch.setenv("TIPLINE_STAFF_PROCESS", "0")
    assert Settings.from_env("sqlite:///x").staff_process is False


def _staff_children(pid: int) -> list[int]:
    """The server's live children that multiprocessing spawned (the staff app's process)."""
    found = []
    for child in child_pids(pid):
        with contextlib.suppress(OSError):
            if _alive(child) and b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url).status_code == 200:
                return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill-9"])
def test_the_staff_app_runs_in_a_process_of_its_own(
        db_url: str, tmp_path: Path, sig: signal.Signals) -> None:
    """By default the staff port is served by a child process (the reporter port by the
    server), started again if it dies; both apps work; and the child ends with the
    server, whether the server is stopped or killed -9, writing the failed logins it had only
    counted as it goes."""
    env = {**_env(tmp_path), "TIPLINE_ANALYSIS_THREAD": "0",
           "TIPLINE_IDENTITY_KEY": Fernet.generate_key().decode()}
    rp, sp = _free_port(), _free_port()
    proc = subprocess.Popen([*TIPLINE, "serve", "--db", db_url, "--reporter-port", str(rp),
                             "--staff-port", str(sp)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        _wait_for(f"http://127.0.0.1:{sp}/login")
        staff = _staff_children(proc.pid)
        assert len(staff) == 1, "no staff child process"
        if sig == signal.SIGKILL:  # the staff process dies: another takes its place, and a
            os.kill(staff[0], signal.SIGKILL)  # request sent meanwhile waits for it (the
            while _alive(staff[0]):  # socket is the server's), not refused
                time.sleep(0.05)
            assert httpx.get(f"http://127.0.0.1:{sp}/login", timeout=60).status_code == 200
            replaced = _staff_children(proc.pid)
            assert len(replaced) == 1 and replaced != staff
            staff = replaced
        assert httpx.post(f"http://127.0.0.1:{rp}/api/v1/reports",
                          json={"text": "tip"}).status_code == 201
        assert httpx.get(f"http://127.0.0.1:{rp}/login").status_code == 404
        nobody = f"nobody{time.monotonic_ns()}"
        for _ in range(2):  # the first is audited at once, the second only counted
            r = httpx.post(f"http://127.0.0.1:{sp}/api/v1/auth/token",
                           json={"username": nobody, "password": "wrong"})
            assert r.status_code == 401
        proc.send_signal(sig)
        # uvicorn ends a stopped server by raising its signal again, once it has shut down
        assert proc.wait(timeout=20) == -sig
        deadline = time.monotonic() + 10  # killed -9, the server cannot stop it: it notices
        while _alive(staff[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(staff[0]), "the staff process outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=20)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        failed = conn.execute(select(AuditEntry.action).where(
            AuditEntry.actor == nobody).order_by(AuditEntry.seq)).scalars().all()
    engine.dispose()
    assert failed == ["login.failed", "login.failed.repeated"]
