"""Same case, same findings, every run: an investigator's findings are a record.

Every dev case is analysed by two separate processes with different hash seeds (so that no
set's iteration order can leak into a finding) and the two JSON outputs must be identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "cases" / "dev"


def _analyse(folder: Path, seed: str) -> list[dict]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    tipline = Path(sys.executable).with_name("tipline")
    done = subprocess.run([str(tipline), "analyze", str(folder), "--json"],
                          capture_output=True, text=True, env=env, check=True, timeout=600)
    return list(json.loads(done.stdout))


@pytest.mark.skipif(not DEV.is_dir(), reason="needs ../shared/cases/dev")
def test_every_dev_case_gives_the_same_findings_twice() -> None:
    first, second = _analyse(DEV, "1"), _analyse(DEV, "2")
    assert len(first) == len(list(DEV.glob("*.gold.yaml")))
    for a, b in zip(first, second, strict=True):
        assert a == b, f"{a['case']}: findings differ between two runs"
