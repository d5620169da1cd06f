"""`tipline links` and `tipline export` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).parent / "cases"


def tipline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tipline", *args], capture_output=True,
                          text=True, timeout=300)


def test_links_prints_each_link_with_its_reasons() -> None:
    done = tipline("links", str(CASES))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("a-2023 — b-2025  score 1.00")
    assert "is the reporter (P1) in b-2025" in done.stdout
    assert "c-2024" not in done.stdout
    done = tipline("links", str(CASES), "--json")
    links = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(x["a"], x["b"]) for x in links] == [("a-2023", "b-2025")]
    assert "4111111111111111" not in done.stdout


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: x\n", encoding="utf-8")
    done = tipline("links", str(tmp_path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    done = tipline("export", str(CASES / "a-2023.yaml"))
    assert done.returncode == 2 and "--ftm" in done.stderr


def test_the_cli_default_threshold_is_the_linkers() -> None:
    from tipline.cli import LINK_THRESHOLD
    from tipline.links.link import THRESHOLD

    assert LINK_THRESHOLD == THRESHOLD
