"""Child processes `tipline serve` keeps running beside its own: the analysis worker
(`jobs.WorkerProcess`) and, by default, the staff app (`commands.StaffProcess`).

Each is started again if it dies (after 1 s, doubling to 30 s while it keeps dying), stopped
with the server, and stops by itself if the server is killed (`watch_parent`)."""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Child(Protocol):
    """What the supervisor needs of a process: `subprocess.Popen`'s methods."""

    @property
    def pid(self) -> int: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


class Spawned:
    """A `multiprocessing` child behind Popen's methods (the staff app is one: it needs the
    server's settings, which a command line could not carry without showing secrets)."""

    def __init__(self, proc: BaseProcess) -> None:
        self.proc = proc

    @property
    def pid(self) -> int:
        assert self.proc.pid is not None
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self.proc.join(timeout)
        if self.proc.exitcode is None:
            raise subprocess.TimeoutExpired(self.proc.name, timeout or 0.0)
        return self.proc.exitcode

    def terminate(self) -> None:
        self.proc.terminate()

    def kill(self) -> None:
        self.proc.kill()


class Supervised:
    """One child process, kept running by a thread until `stop`."""

    def __init__(self, name: str, launch: Callable[[], Child],
                 restart_s: tuple[float, float] = (1.0, 30.0)) -> None:
        self.name = name
        self.launch = launch
        self.restart_s = restart_s
        self.proc: Child | None = None
        self.starts = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, name=f"tipline-{name}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _supervise(self) -> None:
        delay = self.restart_s[0]
        while True:
            started = time.monotonic()
            with self._lock:
                if self.stopping.is_set():
                    return
                try:
                    self.proc = proc = self.launch()
                except Exception:  # e.g. out of processes: try again, as after a crash
                    log.exception("could not start the %s process", self.name)
                    proc = None
                else:
                    self.starts += 1
            code = proc.wait() if proc is not None else None
            if self.stopping.is_set():
                return
            if time.monotonic() - started > 60:
                delay = self.restart_s[0]
            log.warning("the %s process exited (%s); starting another in %.0f s", self.name,
                        code, delay)
            if self.stopping.wait(delay):
                return
            delay = min(delay * 2, self.restart_s[1])

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            self.stopping.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()  # SIGTERM: each child ends its work in hand and exits
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout_s)


def child_pids(pid: int) -> list[int]:
    """The processes `pid` started and has not yet reaped (Linux /proc): the load tool counts
    their CPU, the tests find the staff process among them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def parent_gone(parent: int) -> bool:
    """Whether the process that started this one has ended (this one was handed to init)."""
    return os.getppid() != parent


def watch_parent(parent: int, on_gone: Callable[[], None], every_s: float = 1.0) -> None:
    """Call `on_gone` once `parent` has ended (a daemon thread): a server killed -9 cannot stop
    its children, so each notices by itself."""

    def watch() -> None:
        while not parent_gone(parent):
            time.sleep(every_s)
        log.warning("the server (process %s) is gone; this child stops", parent)
        on_gone()

    threading.Thread(target=watch, name="tipline-parent-watch", daemon=True).start()
