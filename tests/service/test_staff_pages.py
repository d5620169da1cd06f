"""Server-rendered staff pages: login with TOTP, CSRF on every form, intake, case work,
findings side by side with hostile text rendered inert, attachments bounded."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import Staff, login_page
from tipline.service import jobs
from tipline.service.models import Attachment, CaseRecord
from tipline.service.runtime import Service

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _intake(c: TestClient, csrf: str, text: str) -> tuple[str, str]:
    r = c.post("/intake", data={"csrf_token": csrf, "text": text, "channel": "hotline",
                                "name": "Wang Fang", "contact": "+86 138 0000 1111"})
    assert r.status_code == 200, r.text
    receipt = re.search(r'id="receipt">([^<]+)<', r.text)
    case_id = re.search(r'href="/cases/([^"]+)"', r.text)
    assert receipt and case_id
    return case_id[1], receipt[1]


def test_login_session_cookie_and_logout(staff_client: TestClient,
                                         team: dict[str, Staff]) -> None:
    r = staff_client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    login_page(staff_client, team["ivy"])
    cookie = next(c for c in staff_client.cookies.jar if c.name == "tipline_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    raw = staff_client.get("/login").headers  # the login CSRF cookie is strict too
    assert "samesite=strict" in raw.get("set-cookie", "").lower()
    page = staff_client.get("/")
    assert page.status_code == 200 and "ivy" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert staff_client.post("/logout", data={"csrf_token": "bad"}).status_code == 403
    staff_client.post("/logout", data={"csrf_token": csrf})
    assert staff_client.get("/", follow_redirects=False).status_code == 303


def test_login_needs_totp_and_csrf(staff_client: TestClient, team: dict[str, Staff]) -> None:
    form = staff_client.get("/login").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    r = staff_client.post("/login", data={"csrf_token": csrf, "username": "ivy",
                                          "password": "correct horse battery", "totp": ""})
    assert r.status_code == 401 and "one-time code" in r.text
    r = staff_client.post("/login", data={"csrf_token": "forged", "username": "ivy",
                                          "password": "correct horse battery",
                                          "totp": team["ivy"].code()})
    assert r.status_code == 403


def test_every_form_post_checks_csrf(staff_client: TestClient, team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["sue"])
    case_id, _ = _intake(staff_client, csrf, "A tip.")
    for path in ("status", "assign", "statements", "evidence", "tasks", "notes", "messages",
                 "identity/request", "outcome"):
        r = staff_client.post(f"/cases/{case_id}/{path}", data={"csrf_token": "x"})
        assert r.status_code == 403, path
    assert staff_client.post("/intake", data={"csrf_token": "x", "text": "t"}).status_code == 403


def test_intake_case_work_and_findings_page(service: Service, staff_client: TestClient,
                                            team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["ivy"])
    case_id, receipt = _intake(staff_client, csrf, f"My boss {HOSTILE} took bribes.")
    assert len(receipt) == 29
    page = staff_client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and HOSTILE not in page.text
    assert "&lt;script&gt;" in page.text
    post = lambda path, **data: staff_client.post(  # noqa: E731
        f"/cases/{case_id}/{path}", data={"csrf_token": csrf, **data})
    assert post("statements", by="P1", new_person="Zhao Lei", new_role="subject",
                question="Did you take money?", text="I never took any money.",
                setting="interview 1").status_code == 200
    assert post("tasks", title="Get bank records", due="2020-01-01").status_code == 200
    assert post("notes", text="Subject nervous.").status_code == 200
    assert post("messages", text="Thank you, we are looking into it.").status_code == 200
    assert post("status", status="triaged").status_code == 200
    r = staff_client.post(f"/cases/{case_id}/evidence", data={
        "csrf_token": csrf, "kind": "bank_transfer", "text": "Transfer of 5,000 CNY.",
        "at": "2025-03-01"}, files={"file": ("statement.pdf", b"%PDF-1.4 data",
                                             "application/pdf")})
    assert r.status_code == 200
    page = staff_client.get(f"/cases/{case_id}").text
    for expected in ("Q:</strong> Did you take money?", "Get bank records", "overdue",
                     "Subject nervous.", "statement.pdf", "Thank you", "triaged"):
        assert expected in page, expected
    with service.database.session() as db:
        rec = db.scalar(select(CaseRecord).where(CaseRecord.case_id == case_id))
        assert rec is not None and rec.acknowledged_at is not None and rec.version == 4
        att = db.scalar(select(Attachment))
        assert att is not None and att.data == b"%PDF-1.4 data"
    download = staff_client.get(f"/attachments/{att.id}")
    assert download.content == b"%PDF-1.4 data"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment")
    # Issue 14 item 10: a name with a double quote came back encoded twice (%2522)
    r = staff_client.post(f"/cases/{case_id}/evidence", data={
        "csrf_token": csrf, "kind": "document", "text": "Memo."},
        files={"file": ('memo "final" 备忘.txt', b"memo", "text/plain")})
    assert r.status_code == 200
    with service.database.session() as db:
        memo = db.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        assert memo is not None and memo.filename == 'memo "final" 备忘.txt'
    cd = staff_client.get(f"/attachments/{memo.id}").headers["content-disposition"]
    assert cd == ('attachment; filename="memo _final_ __.txt"; '
                  "filename*=UTF-8''memo%20%22final%22%20%E5%A4%87%E5%BF%98.txt")

    assert jobs.run_pending(service.database, service.analyzer) >= 1
    findings = staff_client.get(f"/cases/{case_id}/findings")
    assert findings.status_code == 200
    html = findings.text
    assert HOSTILE not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'class="grid2"' in html  # two quotes side by side
    assert "<mark>My boss &lt;scr</mark>" in html
    assert "<mark>I never took</mark>" in html
    assert "cannot both be true" in html
    assert html.count("<svg") == 2 and 'aria-label="people and records"' in html


def test_upload_over_the_limit_is_413(service: Service, staff_client: TestClient,
                                      team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["ivy"])
    case_id, _ = _intake(staff_client, csrf, "A tip.")
    limit = service.settings.max_attachment_bytes
    r = staff_client.post(f"/cases/{case_id}/evidence", data={"csrf_token": csrf,
                          "kind": "document", "text": "big"},
                          files={"file": ("big.bin", b"\0" * (limit + 10), "x/y")})
    assert r.status_code == 413
    r = staff_client.post(f"/cases/{case_id}/evidence", content=b"\0" * 100,
                          headers={"content-length": str(10**12),
                                   "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 413


def test_investigator_cannot_open_unassigned_case_pages(
        staff_client: TestClient, team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["sue"])
    case_id, _ = _intake(staff_client, csrf, "A tip.")  # supervisor intake: unassigned
    staff_client.cookies.clear()
    login_page(staff_client, team["ivy"])
    assert staff_client.get(f"/cases/{case_id}").status_code == 404
    assert staff_client.get(f"/cases/{case_id}/findings").status_code == 404
    assert case_id not in staff_client.get("/").text


def test_failed_login_keeps_the_user_name_and_roles_land_where_their_work_is(
        staff_client: TestClient, team: dict[str, Staff]) -> None:
    """Issue 14 item 10: a failed login cleared the user name; custodian and admin landed on
    "No cases for you"."""
    form = staff_client.get("/login").text
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    r = staff_client.post("/login", data={"csrf_token": csrf, "username": "ivy",
                                          "password": "wrong", "totp": "000000", "next": "/"})
    assert r.status_code == 401 and 'name="username" required autocomplete="username" ' \
        'value="ivy"' in r.text
    for name, where in (("cus", "/identity-requests"), ("ada", "/users")):
        other = TestClient(staff_client.app)
        login_page(other, team[name])
        landing = other.get("/", follow_redirects=False)
        assert landing.status_code == 303 and landing.headers["location"] == where


def test_staff_pages_refuse_with_a_page_and_the_api_with_json(
        staff_client: TestClient, team: dict[str, Staff]) -> None:
    """Issue 14 item 10: staff 403 and 404 were raw JSON in the browser."""
    login_page(staff_client, team["ivy"])
    for path, code, words in (("/users", 403, "Not allowed"), ("/cases/nope", 404, "Not found")):
        r = staff_client.get(path)
        assert r.status_code == code and r.headers["content-type"].startswith("text/html")
        assert words in r.text and 'href="/"' in r.text
    api = staff_client.get("/api/v1/cases")
    assert api.status_code == 401 and api.json()["detail"]
    assert api.headers["www-authenticate"] == "Bearer"
