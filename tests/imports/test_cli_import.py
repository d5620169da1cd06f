"""`tipline import` as a person or a script runs it: JSON lines out, one-line errors, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.imports.makers import as_case, chat, whatsapp, write
from tipline.cli import app
from tipline.imports import FORMATS

runner = CliRunner()


def tipline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tipline", *args], capture_output=True,
                          text=True, timeout=120)


def test_json_lines_on_stdout_that_load_into_a_case(tmp_path: Path) -> None:
    path = write(tmp_path / "chat.txt", whatsapp(chat(25, ("Alice", "Bob"), ("hi", "ok")),
                                                 "android-gb"))
    done = tipline("import", "--format", "whatsapp", str(path), "--id-prefix", "E-chat-")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 25 and records[0]["id"] == "E-chat-1"
    assert set(records[0]) == {"id", "kind", "at", "text", "fields"}
    case = as_case(records)
    assert [e.id for e in case.evidence][:2] == ["E-chat-1", "E-chat-2"]


def test_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "Date,Description,Amount\n2025-03-04,x,abc\n")
    done = tipline("import", "--format", "bank-csv", str(path))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == [f"tipline: {path}:2: amount: 'abc' is not an amount"]


def test_unknown_format_and_missing_file_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "--format", "fax", str(tmp_path / "x")])
    assert result.exit_code == 2 and "unknown format 'fax'" in result.output
    result = runner.invoke(app, ["import", "--format", "pdf", str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2 and "no such file" in result.output
    assert "bank-csv" in FORMATS and "image" in FORMATS


def test_ambiguous_dates_are_said_on_stderr_not_stdout(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "05/05/2025, 09:00 - A: only one day\n")
    result = tipline("import", "-f", "whatsapp", str(path))
    assert result.returncode == 0
    assert "--date-order" in result.stderr
    assert json.loads(result.stdout)["at"] == "2025-05-05T09:00"


def _one_file_per_format(tmp_path: Path) -> dict[str, Path]:
    from email.message import EmailMessage

    from tests.imports.makers import pdf

    mail = EmailMessage()
    mail["From"], mail["Subject"] = "a@example.com", "hello"
    mail["Date"] = "Tue, 04 Mar 2025 21:15:00 +0800"
    mail.set_content("see attached")
    mail.add_attachment(b"data", maintype="application", subtype="octet-stream",
                        filename="a.bin")
    telegram = {"name": "x", "messages": [{"id": 7, "type": "message",
                                           "date": "2025-03-04T21:15:00", "from": "A",
                                           "text": "hi"}]}
    return {
        "bank-csv": write(tmp_path / "s.csv", "Date,Description,Amount\n2025-03-04,x,-1.00\n"),
        "whatsapp": write(tmp_path / "c.txt", "[04/03/2025, 21:15:42] A: hi\n"),
        "telegram": write(tmp_path / "r.json", json.dumps(telegram)),
        "email": write(tmp_path / "m.eml", bytes(mail)),
        "location-csv": write(tmp_path / "l.csv", "Time,Latitude,Longitude\n"
                                                  "2025-03-04 21:15,51.5,-0.12\n"),
        "pdf": write(tmp_path / "d.pdf", pdf(["A letter"])),
    }


def test_every_format_imports_from_the_cli_in_the_contract_shape(tmp_path: Path) -> None:
    files = _one_file_per_format(tmp_path)
    assert set(files) | {"image"} == set(FORMATS)  # image: see test_documents (needs OCR)
    records = []
    for fmt, path in files.items():
        result = runner.invoke(app, ["import", "--format", fmt, str(path),
                                     "--id-prefix", f"{fmt}-"])
        assert result.exit_code == 0, (fmt, result.output)
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert lines and all(r["fields"]["source_format"] == fmt for r in lines)
        records.extend(lines)
    case = as_case(records)
    assert {e.kind for e in case.evidence} == {"bank_transfer", "communication", "location",
                                              "document"}


def test_contract_format_names_eml_and_mbox(tmp_path: Path) -> None:
    files = _one_file_per_format(tmp_path)
    for name in ("eml", "mbox"):  # the names shared/api-contract.md lists, both read e-mail
        result = runner.invoke(app, ["import", "--format", name, str(files["email"])])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout.splitlines()[0])["fields"]["subject"] == "hello"
