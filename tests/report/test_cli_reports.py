"""`tipline demo` and `tipline analyze` through the real CLI: reports, --html, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import tipline.analysis
from tests.report.sample import case_mapping, full_analysis
from tipline.analysis.findings import Analysis
from tipline.case import Case
from tipline.cli import app
from tipline.demo import load_demo_case

runner = CliRunner()


def _write_case(folder: Path, name: str, **overrides: object) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(case_mapping(id=name, **overrides)), encoding="utf-8")
    return path


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Stand in for the analyzer with hand-made findings; records how it was called."""
    calls: list[dict[str, object]] = []

    def analyze(case: Case, use_nli: bool = True) -> Analysis:
        calls.append({"case": case.id, "use_nli": use_nli})
        return full_analysis(case.id)

    monkeypatch.setattr(tipline.analysis, "analyze", analyze)
    return calls


def test_bundled_demo_case_is_valid_and_sized_as_intended() -> None:
    case = load_demo_case()
    assert case.language == "en" and case.reporter == "P1"
    assert 10 <= len(case.statements) <= 12
    assert len(case.evidence) == 6
    assert any(s.question for s in case.statements)


def test_demo_runs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "demo-norrholm" in result.stdout
    out = tmp_path / "demo.html"
    result = runner.invoke(app, ["demo", "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert "demo-norrholm" in out.read_text(encoding="utf-8")
    assert str(out.resolve()) in "".join(result.stdout.split())  # the path may wrap


def test_analyze_shows_terminal_report(tmp_path: Path, fake_engine: list[dict[str, object]]
                                       ) -> None:
    path = _write_case(tmp_path, "one")
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0, result.output
    assert "Contradictions (1)" in result.stdout
    assert fake_engine == [{"case": "one", "use_nli": True}]


def test_no_nli_is_passed_through(tmp_path: Path, fake_engine: list[dict[str, object]]
                                  ) -> None:
    path = _write_case(tmp_path, "one")
    assert runner.invoke(app, ["analyze", str(path), "--no-nli", "--json"]).exit_code == 0
    assert fake_engine == [{"case": "one", "use_nli": False}]


def test_json_with_html_keeps_stdout_pure(tmp_path: Path, fake_engine: list[dict[str, object]]
                                          ) -> None:
    _write_case(tmp_path, "a")
    _write_case(tmp_path, "b")
    page = tmp_path / "out" / "report.html"
    page.parent.mkdir()
    result = runner.invoke(app, ["analyze", str(tmp_path), "--json", "--html", str(page)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [p["case"] for p in payload] == ["a", "b"]
    assert "report.html" in result.stderr
    html = page.read_text(encoding="utf-8")
    assert 'id="case-1"' in html and 'id="case-2"' in html


def test_unwritable_html_path_is_bad_input(tmp_path: Path, fake_engine: list[dict[str, object]]
                                           ) -> None:
    path = _write_case(tmp_path, "one")
    result = runner.invoke(app, ["analyze", str(path), "--html", str(tmp_path / "no" / "x.html")])
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_analyzer_crash_is_internal_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    def broken(case: Case, use_nli: bool = True) -> Analysis:
        raise RuntimeError("boom")

    monkeypatch.setattr(tipline.analysis, "analyze", broken)
    result = runner.invoke(app, ["analyze", str(_write_case(tmp_path, "one")), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "internal error" in result.stderr and "boom" in result.stderr


def test_bad_case_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(bad)])
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr


def test_progress_goes_to_stderr_even_on_a_terminal(
    tmp_path: Path, fake_engine: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats both streams as terminals
    _write_case(tmp_path, "a")
    _write_case(tmp_path, "b")
    result = runner.invoke(app, ["analyze", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 2
    assert "analysing" in result.stderr
