"""The supervisor `tipline serve` keeps its child processes with (the analysis worker, the
staff app): a child that dies is started again, a start that fails is tried again, and `stop`
ends the child and the supervising thread."""

from __future__ import annotations

import subprocess
import sys
import time

from tipline.service.children import Child, Supervised


def _wait(condition, timeout_s: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_child_that_dies_or_fails_to_start_is_started_again_until_stopped() -> None:
    attempts: list[str] = []

    def launch() -> Child:
        attempts.append("try")
        if len(attempts) == 2:
            raise OSError("no more processes")  # the second start fails outright
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

    child = Supervised("test", launch, restart_s=(0.05, 0.1))
    child.start()
    try:
        assert _wait(lambda: child.proc is not None and child.proc.poll() is None)
        first = child.proc
        assert first is not None
        first.kill()  # dies: the next start fails, the one after runs
        assert _wait(lambda: child.starts == 2 and child.proc is not first
                     and child.proc is not None and child.proc.poll() is None)
        assert len(attempts) == 3
    finally:
        child.stop(timeout_s=5)
    last = child.proc
    assert last is not None and last.poll() is not None  # ended by stop
    assert not child._thread.is_alive()
    time.sleep(0.3)
    assert len(attempts) == 3  # and nothing started after it
