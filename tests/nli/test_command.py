"""`tipline nli --pairs FILE` on good and malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tipline.nli.command import run_pairs_command


@pytest.fixture
def with_tiny(tiny_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NLI_MODEL", str(tiny_onnx))


def test_good_file(with_tiny: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("The man is sleeping.\tThe man is running.\n\nI refused.\tHe paid me.\n",
                    encoding="utf-8")
    assert run_pairs_command(path) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line in lines:
        probs = json.loads(line)
        assert set(probs) == {"entailment", "neutral", "contradiction"}
        assert abs(sum(probs.values()) - 1.0) < 1e-6


@pytest.mark.parametrize("content", ["only one column\n", "a\tb\tc\n", "\tb\n"])
def test_malformed_file(with_tiny: None, tmp_path: Path, content: str,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("fine\tpair\n" + content, encoding="utf-8")
    assert run_pairs_command(path) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert "bad.tsv:2" in captured.err


def test_missing_and_binary_files(with_tiny: None, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run_pairs_command(tmp_path / "absent.tsv") == 2
    binary = tmp_path / "binary.tsv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert run_pairs_command(binary) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("tipline: ") for line in err)


def test_cli_wiring(with_tiny: None, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tipline.cli import app

    path = tmp_path / "pairs.tsv"
    path.write_text("a dog\ta cat\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["nli", "--pairs", str(path)])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout.splitlines()[0])) == {"entailment", "neutral",
                                                               "contradiction"}
