"""What both browser tests share: Debian's chromium, a server on a free port, the staff login."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pyotp
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: object) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def staff_login(page: Any, staff_url: str, username: str, totp_secret: str) -> None:
    """Log in through the form (password + current TOTP code) and wait for the case list."""
    page.goto(staff_url + "/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#totp", pyotp.TOTP(totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_selector("#cases")
