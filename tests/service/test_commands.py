"""The CLI end to end: `tipline user add`, `tipline audit verify` on a tampered log,
`tipline serve` answering on both ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import update

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
    env = _env(tmp_path)
    env.pop("TIPLINE_DATABASE_URL", None)
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
