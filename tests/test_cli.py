"""The command line as outside tools use it (shared/api-contract.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tipline.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def tipline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tipline", *args], capture_output=True,
                          text=True, timeout=300)


def test_analyze_json_is_the_contract_and_pure_stdout() -> None:
    done = tipline("analyze", str(FIXTURES / "small-zh.yaml"), "--json", "--no-nli")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # nothing but JSON on stdout (no library banners)
    assert result["case"] == "small-zh"
    assert set(result) >= {"case", "tipline_version", "findings", "timeline"}
    texts = {"S1": 0, "S2": 0, "E1": 0}
    for finding in result["findings"]:
        assert finding["kind"] in {"contradiction", "evidence_conflict", "evasion", "probing",
                                   "reporter_implicated"}
        assert 0 <= finding["score"] <= 1 and finding["explanation"]
        assert set(finding["refs"]) <= set(texts)
    kinds = {f["kind"] for f in result["findings"]}
    assert kinds  # the engine asserts something on this case (the reporter is implicated)
    assert any(t["refs"] == ["E1"] for t in result["timeline"])


def test_folder_gives_an_array_and_skips_gold(tmp_path: Path) -> None:
    case = (FIXTURES / "small-zh.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(case, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(case.replace("id: small-zh", "id: other"), encoding="utf-8")
    (tmp_path / "a.gold.yaml").write_text("contradiction: [[S1, S2]]\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(tmp_path), "--json", "--no-nli"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [p["case"] for p in payload] == ["small-zh", "other"]


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nreceived_at: 2025-02-30\nstatements: []\n", encoding="utf-8")
    done = tipline("analyze", str(bad), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in done.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2


def test_worker_drains_an_empty_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tipline.sqlite3'}"
    result = runner.invoke(app, ["worker", "--db", url, "--once"])
    assert result.exit_code == 0, result.output
    assert "ran 0 jobs" in result.output
