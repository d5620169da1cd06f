"""The findings page folds a statement's conflicts with many rows of one imported file into one
entry (issue 16: large evidence stays usable) and lists everything else as before."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import HandMadeAnalysis, Staff, login_page
from tipline.case import Case, case_from_mapping
from tipline.service.casefiles import cases
from tipline.service.findings.findings_view import entries
from tipline.service.models import User
from tipline.service.runtime import Service

ROWS = 6


def _conflict(statement: str, record: str, score: float = 0.8) -> dict[str, Any]:
    return {"kind": "evidence_conflict", "refs": [statement, record], "score": score,
            "explanation": f"{record} shows a payment {statement} denies."}


def _quote(f: dict[str, Any], ref: str) -> dict[str, Any]:
    return {"ref": ref}


def test_many_rows_of_one_file_fold_into_one_entry_in_place() -> None:
    items = {f"b{i}": {"fields": {"source_file": "bank.csv"}} for i in range(5)}
    items |= {"m1": {"fields": {"source_file": "chat.txt"}}, "e9": {"fields": {}}}
    findings = [
        {"kind": "contradiction", "refs": ["S1", "S2"], "score": 0.9},
        *(_conflict("S1", f"b{i}", 0.7 + i / 100) for i in range(5)),
        _conflict("S1", "m1"), _conflict("S1", "e9"),
        _conflict("S2", "b0"),  # another statement: its own entry
    ]
    shown = entries(findings, items, _quote)
    assert [e.get("group", {}).get("file") for e in shown] == [
        None, "bank.csv", None, None, None]
    group = shown[1]["group"]
    assert group["statement"] == "S1" and len(group["rows"]) == 5
    assert group["best"] == 0.74
    assert [r["quote"]["ref"] for r in group["rows"]] == [f"b{i}" for i in range(5)]
    assert shown[1]["quotes"] == [{"ref": "S1"}]
    assert [e["finding"]["refs"][1] for e in shown[2:]] == ["m1", "e9", "b0"]


def test_fewer_rows_than_the_fold_stay_listed() -> None:
    items = {f"b{i}": {"fields": {"source_file": "bank.csv"}} for i in range(3)}
    findings = [_conflict("S1", f"b{i}") for i in range(3)]
    assert all("finding" in e for e in entries(findings, items, _quote))


CASE = {
    "id": "fold-1", "received_at": "2025-01-01T10:00:00+00:00",
    "people": [{"id": "P1", "role": "reporter"}, {"id": "P2", "role": "subject"}],
    "statements": [{"id": "S1", "by": "P1", "text": "He never paid me anything."},
                   {"id": "S2", "by": "P2", "text": "I paid him <b>twice</b>."}],
    "evidence": [{"id": f"bank-{i}", "kind": "bank_transfer",
                  "text": f"Transfer {i}: 1,000 CNY from P2 to P1.",
                  "fields": {"source_file": "bank <export>.csv", "source_row": i + 2}}
                 for i in range(ROWS)],
}


def _analyzer(case: Case) -> HandMadeAnalysis:
    findings = [{"kind": "contradiction", "refs": ["S1", "S2"], "score": 0.9,
                 "explanation": "S1 and S2 cannot both be true."}]
    findings += [_conflict("S1", e.id, 0.8) for e in case.evidence]
    return HandMadeAnalysis({"case": case.id, "tipline_version": "test",
                             "findings": findings, "timeline": []})


def test_findings_page_shows_one_entry_for_the_file(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    service.analyzer = _analyzer  # type: ignore[assignment]
    with service.database.session() as db:
        ivy = db.scalar(select(User).where(User.username == "ivy"))
        cases.store_case(db, case_from_mapping(CASE), assigned_to=ivy)
    login_page(staff_client, team["ivy"])
    page = staff_client.get("/cases/fold-1/findings")
    assert page.status_code == 200
    text = page.text
    assert text.count('class="finding finding-group"') == 1
    assert f"{ROWS} rows of bank &lt;export&gt;.csv" in text and "<export>" not in text
    assert text.count("He never paid me anything.") == 2  # the contradiction and the group
    for i in range(ROWS):
        assert f"bank-{i}" in text
    assert "&lt;b&gt;twice&lt;/b&gt;" in text
