"""Imports from the staff page and API: a file's records land in the case in the contract shape
(the same records `tipline import` prints), all or none, for those who may edit the case."""

from __future__ import annotations

import json
import mailbox
import re
import shutil
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.imports.makers import as_case, chat, pdf, whatsapp
from tests.service.conftest import Staff, login_page, token_for
from tipline.imports import FORMATS, ImportOptions, import_file
from tipline.service.models import AuditEntry, CaseRecord, EvidenceRecord, Job
from tipline.service.runtime import Service
from tipline.service.staff.app import create_staff_app

CASE = {"id": "imp-1", "received_at": "2025-06-10T09:12:00+08:00", "channel": "hotline",
        "reporter": "P1", "people": [{"id": "P1", "name": "Zhang Min", "role": "reporter"},
                                     {"id": "P2", "name": "Li Wei", "role": "subject"}],
        "statements": [{"id": "S1", "by": "P1", "text": "I never paid Li Wei anything."}],
        "evidence": [{"id": "E1", "kind": "note", "text": "Typed in by hand."}]}
BAD_BANK = ("Date,Description,Amount\n" + "".join(f"2025-03-0{d},TRANSFER {d},-{d}.00\n"
                                                   for d in range(1, 6))
            + "2025-03-06,TRANSFER 6,12.x0\n")


def _email() -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"] = "Li Wei <li@example.com>", "zhang@example.org"
    mail["Subject"], mail["Date"] = "Invoice", "Tue, 04 Mar 2025 21:15:00 +0800"
    mail["Message-ID"] = "<a1@example.com>"
    mail.set_content("Please pay 18,000 CNY by Friday.")
    mail.add_attachment(b"%PDF-1.4 invoice", maintype="application", subtype="pdf",
                        filename="invoice.pdf")
    return bytes(mail)


def _mbox(tmp: Path) -> bytes:
    box = mailbox.mbox(tmp / "m.mbox")
    for n in range(3):
        msg = EmailMessage()
        msg["From"], msg["Subject"] = "a@example.com", f"note {n}"
        msg["Date"] = f"Tue, 0{n + 4} Mar 2025 10:00:00 +0000"
        msg.set_content(f"message {n}")
        box.add(msg)
    box.flush()
    box.close()
    return (tmp / "m.mbox").read_bytes()


def _image(tmp: Path) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font_file = next((f for f in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                  "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
                      if Path(f).exists()), None)
    if font_file is None:
        pytest.skip("no TrueType font to render a scan with")
    image = Image.new("L", (1200, 200), 255)
    ImageDraw.Draw(image).text((60, 60), "Invoice 4471 paid to Li Wei",
                               font=ImageFont.truetype(font_file, 48), fill=0)
    image.save(tmp / "scan.png", dpi=(300, 300))
    return (tmp / "scan.png").read_bytes()


def sample(fmt: str, tmp: Path) -> tuple[str, bytes]:
    """One real-shaped file of each format family: its name and bytes."""
    telegram = {"name": "Work", "type": "private_group", "id": 42, "messages": [
        {"id": 7, "type": "message", "date": "2025-03-04T21:15:00", "from": "Li Wei",
         "from_id": "user1", "text": ["Send the ", {"type": "bold", "text": "documents"}]},
        {"id": 8, "type": "service", "date": "2025-03-04T21:16:00", "actor": "Li Wei",
         "action": "pin_message", "text": ""},
        {"id": 9, "type": "message", "date": "2025-03-04T21:17:00", "from": "张三",
         "from_id": "user2", "text": "明天转你一万八"}]}
    files: dict[str, Any] = {
        "bank-csv": ("statement.csv", "交易日期,摘要,收入金额,支出金额,余额,对方户名\n"
                     "2025-03-04,转账,,\"18,000.00\",\"2,000.00\",王某\n"
                     "2025-03-05,工资,\"5,000.00\",,\"7,000.00\",某公司\n"),
        "whatsapp": ("chat.txt", whatsapp(chat(40, ("Li Wei", "Ho"), ("Did you pay?",
                                                                       "=HYPERLINK(\"x\")")),
                                          "ios-us")),
        "telegram": ("result.json", json.dumps(telegram, ensure_ascii=False)),
        "email": ("invoice.eml", _email()),
        "mbox": ("archive.mbox", _mbox(tmp)),
        "location-csv": ("cells.csv", "Time,Latitude,Longitude,Cell ID,Site Name\n"
                         "2025-03-04 21:15,51.5074,-0.1278,23011,Harbour Road mast\n"
                         "2025-03-04 22:40,51.5101,-0.1340,23012,Station mast\n"),
        "pdf": ("letter.pdf", pdf(["Invoice 4471: 18,000 CNY paid to Li Wei.", "",
                                   "Signed, J. Smith"], {"/Author": "Li Wei"})),
    }
    if fmt == "image":
        return "scan.png", _image(tmp)
    name, data = files[fmt]
    return name, data.encode("utf-8") if isinstance(data, str) else data


def new_case(client: TestClient, headers: dict[str, str], case: dict[str, Any] = CASE) -> str:
    r = client.post("/api/v1/cases", content=json.dumps(case),
                    headers=headers | {"content-type": "application/json"})
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


def stored(service: Service, case_id: str) -> dict[str, Any]:
    """Everything an import could change: the case as stored, its version, jobs, audit."""
    with service.database.session() as db:
        rec = db.scalar(select(CaseRecord).where(CaseRecord.case_id == case_id))
        assert rec is not None
        return {"evidence": [(e.ref, e.kind, e.text, e.fields) for e in db.scalars(
                    select(EvidenceRecord).where(EvidenceRecord.case_pk == rec.id)
                    .order_by(EvidenceRecord.position))],
                "version": rec.version,
                "jobs": db.scalar(select(func.count(Job.id))),
                "audit": db.scalar(select(func.count(AuditEntry.seq)).where(
                    AuditEntry.case_id == case_id, AuditEntry.action != "case.view"))}


def expected(fmt: str, name: str, data: bytes, tmp: Path, prefix: str) -> list[dict[str, Any]]:
    """What `tipline import` reads from the same file: the records the case must hold."""
    path = tmp / "cli" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return import_file(fmt, path, ImportOptions(id_prefix=prefix))


FAMILIES = ["bank-csv", "whatsapp", "telegram", "email", "mbox", "location-csv", "pdf", "image"]


@pytest.mark.parametrize("fmt", FAMILIES)
def test_each_format_lands_in_the_contract_shape(fmt: str, service: Service,
                                                 staff_client: TestClient,
                                                 team: dict[str, Staff], tmp_path: Path) -> None:
    if fmt == "image":
        from tipline.imports.image import installed_languages
        if shutil.which("tesseract") is None or "eng" not in installed_languages():
            pytest.skip("tesseract-ocr with English data not installed")
    auth = token_for(staff_client, team["ivy"])
    case_id = new_case(staff_client, auth)
    name, data = sample(fmt, tmp_path)
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth,
                          data={"format": fmt}, files={"file": (name, data, "text/plain")})
    assert r.status_code == 201, r.text
    answer = r.json()
    spec = FORMATS["email" if fmt == "mbox" else fmt]
    want = expected(spec.name, name, data, tmp_path, spec.prefix)
    assert answer["count"] == len(want) > 0 and answer["ids"] == [w["id"] for w in want]
    assert answer["file"] == name and answer["format"] == spec.name
    assert re.fullmatch(r"[0-9a-f]{64}", answer["sha256"]) and answer["size"] == len(data)
    case = staff_client.get(f"/api/v1/cases/{case_id}", headers=auth).json()
    assert case["evidence"][0]["id"] == "E1"  # what was there stays, first
    got = case["evidence"][1:]
    # exactly the CLI's records as the case format stores them (times written in full)
    assert got == as_case(want).to_dict()["evidence"]
    for record in got:
        assert set(record) <= {"id", "kind", "at", "text", "fields"}
        assert record["fields"]["source_file"] == name
        assert record["fields"]["source_format"] == spec.name
    as_case(got)  # tipline.case's own validator accepts them as a case's evidence


def test_page_form_imports_with_csrf_audit_and_one_reanalysis(
        service: Service, staff_client: TestClient, team: dict[str, Staff],
        tmp_path: Path) -> None:
    case_id = new_case(staff_client, token_for(staff_client, team["ivy"]))
    csrf = login_page(staff_client, team["ivy"])
    page = staff_client.get(f"/cases/{case_id}").text
    assert 'action="/cases/imp-1/imports"' in page and 'id="import-format"' in page
    assert all(f'<option value="{f}">' in page for f in FORMATS)
    before = stored(service, case_id)
    name, data = sample("whatsapp", tmp_path)
    post = lambda token, file=data: staff_client.post(  # noqa: E731
        f"/cases/{case_id}/imports", data={"csrf_token": token, "format": "whatsapp"},
        files={"file": (name, file, "text/plain")}, follow_redirects=False)
    assert post("forged").status_code == 403
    assert stored(service, case_id) == before
    r = post(csrf)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}#imports"
    after = stored(service, case_id)
    assert len(after["evidence"]) == 41 and after["evidence"][1][0] == "wa-1"
    assert after["jobs"] == before["jobs"] + 1  # one re-analysis for the whole file
    with service.database.session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "evidence.import")
                           ).one()
        assert entry.actor == "ivy" and entry.case_id == case_id
        assert entry.detail["count"] == 40 and entry.detail["file"] == name
        assert entry.detail["first"] == "wa-1" and entry.detail["last"] == "wa-40"
    page = staff_client.get(f"/cases/{case_id}").text
    assert 'id="import-list"' in page and "wa-1 … wa-40" in page
    assert "&#39;=HYPERLINK" in page or "&#x27;=HYPERLINK" in page  # defused, escaped
    # the same file again: numbered on (wa2-), not a clash with the first import
    assert post(csrf).status_code == 303
    assert stored(service, case_id)["evidence"][41][0] == "wa2-1"


def test_uninvolved_staff_cannot_import(service: Service, staff_client: TestClient,
                                        team: dict[str, Staff], tmp_path: Path) -> None:
    case_id = new_case(staff_client, token_for(staff_client, team["ivy"]))
    before = stored(service, case_id)
    name, data = sample("bank-csv", tmp_path)
    files = {"file": (name, data, "text/csv")}
    assert staff_client.post(f"/api/v1/cases/{case_id}/imports", data={"format": "bank-csv"},
                             files=files).status_code == 401
    for who in ("ian", "cus"):  # an investigator not assigned to the case; a custodian
        r = staff_client.post(f"/api/v1/cases/{case_id}/imports", data={"format": "bank-csv"},
                              files=files, headers=token_for(staff_client, team[who]))
        assert r.status_code == 404, (who, r.text)
        csrf = login_page(staff_client, team[who])
        r = staff_client.post(f"/cases/{case_id}/imports", files=files,
                              data={"csrf_token": csrf, "format": "bank-csv"})
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], who
        staff_client.cookies.clear()
    assert stored(service, case_id) == before


def test_bad_file_names_the_problem_and_changes_nothing(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    auth = token_for(staff_client, team["ivy"])
    case_id = new_case(staff_client, auth)
    before = stored(service, case_id)
    csrf = login_page(staff_client, team["ivy"])
    r = staff_client.post(f"/cases/{case_id}/imports", data={"csrf_token": csrf,
                          "format": "bank-csv"}, files={"file": ("s.csv", BAD_BANK.encode(),
                                                                 "text/csv")})
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    problem = re.search(r'id="import-problem">([^<]*)<', r.text)
    assert problem and problem[1] == "s.csv:7: amount: &#39;12.x0&#39; is not an amount"
    assert "Nothing was added to case imp-1" in r.text and "tipline-import-" not in r.text
    # the API says the same, as JSON; a prefix that collides with E1, an unknown format,
    # a missing file and a closed case's import are refused the same way
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth,
                          data={"format": "bank-csv"},
                          files={"file": ("s.csv", BAD_BANK.encode(), "text/csv")})
    assert r.status_code == 422 and r.json()["detail"] == "s.csv:7: amount: '12.x0' is not an " \
                                                          "amount"
    good = b"Date,Description,Amount\n2025-03-04,x,-1.00\n2025-03-05,y,-2.00\n"
    for data, files, says in [
            ({"format": "bank-csv", "id_prefix": "E"}, {"file": ("g.csv", good, "text/csv")},
             "already used"),
            ({"format": "fax"}, {"file": ("g.csv", good, "text/csv")}, "unknown format 'fax'"),
            ({"format": "bank-csv"}, {"other": ("g.csv", good, "text/csv")}, "choose a file"),
            ({"format": "bank-csv"}, {"file": ("g.csv", b"", "text/csv")}, "empty"),
            ({"format": "whatsapp"}, {"file": ("g.csv", good, "text/csv")}, "g.csv"),
            ({"format": "bank-csv", "ocr_lang": "eng; rm -rf"},
             {"file": ("g.csv", good, "text/csv")}, "OCR languages")]:
        r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth, data=data,
                              files=files)
        assert r.status_code == 422 and says in r.json()["detail"], (data, r.text)
    assert stored(service, case_id) == before


def test_closed_case_takes_no_import_and_size_limit_is_413(
        service: Service, team: dict[str, Staff], tmp_path: Path) -> None:
    service.settings = replace(service.settings, max_import_bytes=1500)
    client = TestClient(create_staff_app(service))
    auth = token_for(client, team["sue"])
    case_id = new_case(client, auth)
    name, data = sample("whatsapp", tmp_path)
    assert len(data) > 1500
    before = stored(service, case_id)
    r = client.post(f"/api/v1/cases/{case_id}/imports", headers=auth,
                    data={"format": "whatsapp"}, files={"file": (name, data, "text/plain")})
    assert r.status_code == 413 and "over the 1,500-byte import limit" in r.json()["detail"]
    csrf = login_page(client, team["sue"])
    r = client.post(f"/cases/{case_id}/imports", content=b"x" * 100, headers={
        "content-length": str(10**9), "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and "import limit" in r.text and "text/html" in \
        r.headers["content-type"]
    r = client.post(f"/api/v1/cases/{case_id}/imports", content=b"x" * 100, headers=auth | {
        "content-length": str(10**9), "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413 and "import limit" in r.json()["detail"]

    def chunks() -> Any:  # no Content-Length: the Guard counts while the body streams in
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.txt\"\r\n\r\n"
        for _ in range(1200):
            yield b"y" * 1000
    r = client.post(f"/api/v1/cases/{case_id}/imports", content=chunks(), headers=auth | {
        "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413, r.text
    assert stored(service, case_id) == before
    for status in ("triaged", "closed"):
        r = client.post(f"/api/v1/cases/{case_id}/status", headers=auth, json={
            "status": status, "disposition": "unfounded", "reasons": "Nothing found."})
        assert r.status_code == 200, r.text
    small = b"[04/03/2025, 21:15:42] A: hi\n"
    r = client.post(f"/cases/{case_id}/imports", data={"csrf_token": csrf, "format": "whatsapp"},
                    files={"file": ("c.txt", small, "text/plain")})
    assert r.status_code == 422 and "is closed" in r.text


def test_openapi_documents_the_import(staff_client: TestClient) -> None:
    spec = staff_client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/cases/{case_id}/imports"]["post"]
    body = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["format", "file"]
    assert set(FORMATS) | {"eml", "mbox"} <= set(body["properties"]["format"]["enum"])
    assert {"201", "401", "404", "413", "422"} <= set(op["responses"])


def test_options_reach_the_reader_and_notes_come_back(service: Service,
                                                      staff_client: TestClient,
                                                      team: dict[str, Staff]) -> None:
    """The CLI's options by the same names: a saved profile from the user's own YAML file, an
    id prefix, a date order; the importer's notes come back without any server path."""
    auth = token_for(staff_client, team["ivy"])
    case_id = new_case(staff_client, auth)
    statement = b"Datum|Omschrijving|Bedrag|Af Bij\n20250304|Huur|1250,00|Af\n" \
                b"20250305|Salaris|2000,00|Bij\n"
    profiles = b"""profiles:
  dutch-bank:
    columns: {date: Datum, description: Omschrijving, amount: Bedrag, direction: Af Bij}
    debit_words: [Af]
    credit_words: [Bij]
    delimiter: "|"
    decimal: ","
    currency: EUR
"""
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth, data={
        "format": "bank-csv", "profile": "dutch-bank", "id_prefix": "E-nl-"}, files={
        "file": ("nl.csv", statement, "text/csv"),
        "profiles": ("mine.yaml", profiles, "application/yaml")})
    assert r.status_code == 201, r.text
    assert r.json()["ids"] == ["E-nl-1", "E-nl-2"]
    case = staff_client.get(f"/api/v1/cases/{case_id}", headers=auth).json()
    assert [(e["fields"]["amount"], e["fields"]["currency"]) for e in case["evidence"][1:]] \
        == [(-1250, "EUR"), (2000, "EUR")]
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth, data={
        "format": "bank-csv", "profile": "nope"}, files={"file": ("nl.csv", statement, "x/y")})
    assert r.status_code == 422 and "no profile 'nope'" in r.json()["detail"]
    one_day = b"05/05/2025, 09:00 - A: only one day\n"
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth,
                          data={"format": "whatsapp"}, files={"file": ("c.txt", one_day, "x/y")})
    assert r.status_code == 201 and len(r.json()["notes"]) == 1
    assert r.json()["notes"][0].startswith("c.txt: ") and "tipline-import-" not in r.text
    r = staff_client.post(f"/api/v1/cases/{case_id}/imports", headers=auth, data={
        "format": "whatsapp", "date_order": "mdy"}, files={"file": ("c.txt", one_day, "x/y")})
    assert r.status_code == 201 and r.json()["notes"] == [] and r.json()["ids"] == ["wa2-1"]
