"""The reporter app: submit, receipt shown once and stored hashed, follow-up, throttles."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tipline.service.models import CaseRecord, Report, ReporterIdentity, StatementRecord
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service


def client(service: Service) -> TestClient:
    return TestClient(create_reporter_app(service))


def test_submit_and_follow_up_over_the_api(service: Service) -> None:
    c = client(service)
    r = c.post("/api/v1/reports", json={"text": "My manager took 20,000 CNY.", "channel": "web",
                                        "category": "bribery"})
    assert r.status_code == 201, r.text
    body = r.json()
    receipt = body["receipt"]
    with service.database.session() as db:
        report = db.scalar(select(Report))
        assert report is not None
        assert receipt not in report.receipt_hash and report.receipt_hash.startswith("hmac-sha256$")
    r = c.get("/api/v1/followup", headers={"X-Receipt": receipt.lower().replace("-", " ")})
    assert r.status_code == 200
    assert r.json() == {"report_id": body["report_id"], "status": "received", "messages": []}
    r = c.post("/api/v1/followup/messages", headers={"X-Receipt": receipt},
               json={"text": "It happened again on Monday."})
    assert r.status_code == 201
    msgs = c.get("/api/v1/followup", headers={"X-Receipt": receipt}).json()["messages"]
    assert [m["text"] for m in msgs] == ["It happened again on Monday."]
    with service.database.session() as db:  # the follow-up became a statement to analyse
        texts = db.scalars(select(StatementRecord.text).order_by(StatementRecord.id)).all()
        assert texts[-1] == "It happened again on Monday."
        assert db.scalar(select(CaseRecord.version)) == 2


def test_wrong_receipt_is_401_then_throttled(service: Service) -> None:
    c = client(service)
    limit = service.settings.receipt_failures_per_client[0]
    for _ in range(limit):
        assert c.get("/api/v1/followup", headers={"X-Receipt": "0000-0000-0000-0000-0000-0000"}
                     ).status_code == 401
    r = c.get("/api/v1/followup", headers={"X-Receipt": "0000-0000-0000-0000-0000-0000"})
    assert r.status_code == 429 and "Retry-After" in r.headers
    assert c.get("/api/v1/followup").status_code == 429  # even with no receipt at all


def test_global_receipt_throttle_catches_many_clients(service: Service) -> None:
    c = client(service)
    service.receipt_failures.overall.limit = 3
    for _ in range(3):
        service.receipt_failures.hit(f"10.0.0.{_}")
    assert c.get("/api/v1/followup", headers={"X-Receipt": "x"}).status_code == 429


def test_others_wrong_receipts_never_refuse_a_correct_one(service: Service) -> None:
    """Issue 14 item 3: after 205 wrong receipts from 41 addresses a reporter with a correct
    receipt was refused. The global window now refuses wrong receipts only."""
    c = client(service)
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    for i in range(41):
        other = TestClient(create_reporter_app(service), client=(f"10.0.1.{i}", 5000))
        for _ in range(5):
            other.get("/api/v1/followup", headers={"X-Receipt": "0000-0000-0000-0000-0000-0000"})
    assert service.receipt_failures.overall_blocked()
    assert c.get("/api/v1/followup", headers={"X-Receipt": receipt}).status_code == 200
    r = c.post("/followup", data={"receipt": receipt})
    assert r.status_code == 200 and 'id="status"' in r.text
    assert c.get("/api/v1/followup", headers={"X-Receipt": "x"}).status_code == 429


def test_a_flooded_hotline_keeps_the_reporters_words_and_says_why(service: Service) -> None:
    """Issue 14 item 3: past the global submission limit the form came back empty with
    "Too many reports from here". Now it keeps every field and names the real reason."""
    service.submissions.overall.limit = 2
    for i in range(2):
        service.submissions.hit(f"10.0.2.{i}")
    c = client(service)
    r = c.post("/report", data={"text": "The director & his son <took> 5,000.",
                                "category": "fraud", "name": "Zhang Min",
                                "contact": "zm@example.org"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert "unusually large number of reports" in r.text and "from your connection" not in r.text
    assert "The director &amp; his son &lt;took&gt; 5,000.</textarea>" in r.text
    for value in ('value="fraud"', 'value="Zhang Min"', 'value="zm@example.org"'):
        assert value in r.text
    api = c.post("/api/v1/reports", json={"text": "tip"})
    assert api.status_code == 429 and "nothing was stored" in api.json()["detail"]
    assert "from this address" not in api.json()["detail"]


def test_flood_control_on_submissions(service: Service) -> None:
    c = client(service)
    limit = service.settings.submissions_per_client[0]
    for _ in range(limit):
        assert c.post("/api/v1/reports", json={"text": "tip"}).status_code == 201
    assert c.post("/api/v1/reports", json={"text": "tip"}).status_code == 429


def test_html_forms_work_without_javascript(service: Service) -> None:
    c = client(service)
    page = c.get("/")
    assert page.status_code == 200 and "<script" not in page.text
    r = c.post("/report", data={"text": "<script>alert(1)</script> cash in envelopes",
                                "name": "Li Wei", "contact": "+86 138 0000 0000"})
    assert r.status_code == 200 and "receipt" in r.text
    receipt = r.text.split('id="receipt">')[1].split("<")[0]
    r = c.post("/followup", data={"receipt": receipt})
    assert r.status_code == 200 and "received" in r.text
    r = c.post("/followup/message", data={"receipt": receipt, "text": "<b>more</b>"})
    assert "&lt;b&gt;more&lt;/b&gt;" in r.text and "<b>more</b>" not in r.text
    assert c.post("/followup", data={"receipt": "nope"}).status_code == 401
    with service.database.session() as db:
        ident = db.scalar(select(ReporterIdentity))
        assert ident is not None and b"Li Wei" not in ident.ciphertext
        assert service.identity.open(ident.ciphertext)["name"] == "Li Wei"


def test_no_staff_routes_and_openapi(service: Service) -> None:
    c = client(service)
    paths = c.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/api/v1/reports", "/api/v1/followup", "/api/v1/followup/messages"}
    for path in ("/api/v1/cases", "/login", "/api/v1/auth/token"):
        assert c.get(path).status_code in (404, 405)


def test_oversized_body_is_413(service: Service) -> None:
    c = client(service)
    r = c.post("/api/v1/reports", content=b"x" * (1024 * 1024),
               headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_oversized_chunked_body_is_413_without_content_length(service: Service) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 10_000

    r = client(service).post("/api/v1/reports", content=chunks(),
                             headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_empty_report_is_422(service: Service) -> None:
    assert client(service).post("/api/v1/reports", json={"text": "  "}).status_code == 422


def test_unstorable_characters_are_a_clear_422_not_a_500(service: Service) -> None:
    """Issue 14 item 6: a NUL (PostgreSQL) or a lone surrogate in JSON (both) gave 500."""
    c = client(service)
    for raw in (b'{"text": "secret words \\u0000 here"}', b'{"text": "secret words \\ud800"}',
                b'{"text": "ok", "identity": {"name": "\\udfff"}}',
                b'{"text": "ok", "category": "a\\u0000b"}'):
        r = c.post("/api/v1/reports", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 422, (raw, r.text)
        assert "secret" not in r.text
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    r = c.post("/api/v1/followup/messages", content=b'{"text": "x\\ud800"}',
               headers={"X-Receipt": receipt, "content-type": "application/json"})
    assert r.status_code == 422
    page = c.post("/report", data={"text": "words\x00more"})
    assert page.status_code == 422 and "cannot be stored" in page.text


def test_a_too_long_report_is_refused_without_echoing_it(service: Service) -> None:
    text = "secret " * 8000  # 56,000 characters
    r = client(service).post("/api/v1/reports", json={"text": text})
    assert r.status_code == 422 and "secret" not in r.text and len(r.text) < 1000


def test_database_errors_never_carry_the_values_sent(service: Service) -> None:
    """Logs and tracebacks of a failed statement name the statement, never its parameters
    (the report text, an identity)."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with service.database.session() as db:
            db.execute(sql("INSERT INTO no_such_table (x) VALUES (:x)"),
                       {"x": "Zhang Min's secret"})
    except SQLAlchemyError as exc:
        assert "Zhang Min" not in str(exc)
    else:
        raise AssertionError("the insert should have failed")


def test_language_links_after_a_post_go_to_the_page_the_reporter_is_on(
        service: Service) -> None:
    """Issue 14 item 7: after a form post the link was `<that POST route>?lang=zh`: 405 JSON."""
    c = client(service)
    refused = c.post("/report", data={"text": " "})
    assert 'href="/?lang=zh"' in refused.text
    wrong = c.post("/followup", data={"receipt": "nope"})
    assert 'href="/followup?lang=zh"' in wrong.text
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    sent = c.post("/followup/message", data={"receipt": receipt, "text": "more"})
    assert 'href="/followup?lang=zh"' in sent.text
    switched = c.get("/followup?lang=zh")  # the follow-up session keeps the case open
    assert switched.status_code == 200 and "您的举报" in switched.text and "more" in switched.text
    assert c.get("/?lang=zh").status_code == c.get("/followup?lang=en").status_code == 200


def test_a_closed_case_takes_no_more_reporter_messages(service: Service) -> None:
    """Issue 14 item 8: messages on a closed case were accepted and never read."""
    c = client(service)
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    with service.database.session() as db:
        rec = db.scalars(select(CaseRecord)).one()
        rec.status, rec.disposition = "closed", "unfounded"
    r = c.post("/api/v1/followup/messages", headers={"X-Receipt": receipt}, json={"text": "hi"})
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    page = c.post("/followup/message", data={"receipt": receipt, "text": "hi"},
                  headers={"Accept-Language": "zh"})
    assert page.status_code == 409 and "此案件已结案" in page.text
    assert c.get("/api/v1/followup", headers={"X-Receipt": receipt}).json()["messages"] == []


def test_fifty_thousand_escaped_emoji_fit_and_a_too_large_form_gets_a_page(
        service: Service) -> None:
    """Issue 14 item 10: 50,000 emoji escaped in JSON (12 bytes each) were refused by the
    512 KB body limit though within the character limit, and a too-large form got English
    JSON instead of the page."""
    import json

    c = client(service)
    body = json.dumps({"text": "😀" * service.settings.max_report_chars})  # ASCII-escaped
    r = c.post("/api/v1/reports", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text[:200]
    r = c.post("/report", data={"text": "😀" * 80_000}, headers={"Accept-Language": "zh"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "内容太长，无法接收" in r.text
    assert c.post("/api/v1/reports", content=b"x" * 2_000_000, headers={
        "content-type": "application/json"}).status_code == 413


def test_follow_up_page_says_when_to_expect_an_answer_and_confirms_a_message(
        service: Service) -> None:
    """Issue 14 item 10: raw ISO times and codes, no confirmation, no copy of the report and
    no expected reply time on the reporter's page."""
    c = client(service)
    receipt = c.post("/api/v1/reports", json={"text": "Line one.\nLine two."}).json()["receipt"]
    page = c.post("/followup", data={"receipt": receipt}).text
    with service.database.session() as db:
        rec = db.scalars(select(CaseRecord)).one()
        ack, feedback = rec.acknowledge_due.isoformat(), rec.feedback_due.isoformat()
    assert f"received your report by {ack}" in page and f"done about it by {feedback}" in page
    assert "Line one.\nLine two." in page and 'id="sent"' not in page
    sent = c.post("/followup/message", data={"receipt": receipt, "text": "More."}).text
    assert 'id="sent"' in sent and "Your message was sent." in sent
    assert re.search(r"you · \d{4}-\d\d-\d\d \d\d:\d\d UTC", sent) and "+00:00" not in sent
    with service.database.session() as db:
        rec = db.scalars(select(CaseRecord)).one()
        rec.status, rec.disposition = "closed", "false_report"
    closed = c.post("/followup", data={"receipt": receipt}).text
    assert "closed: false report" in closed and "false_report" not in closed
    assert 'id="expect"' not in closed


def test_a_follow_up_session_spares_the_receipt_check_and_keeps_it_off_the_page(
        service: Service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After one receipt check the follow-up pages open by a signed cookie (HttpOnly,
    SameSite=Strict, half an hour, bound to the report): no argon2 per page, no receipt in
    the HTML; a forged or expired cookie opens nothing."""
    import time
    import types

    from tipline.service.intake import receipts
    from tipline.service.reporter import followup

    c = client(service)
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    opened = c.post("/followup", data={"receipt": receipt})
    cookie = opened.headers["set-cookie"]
    assert "tipline_followup=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/followup" in cookie and "Max-Age=1800" in cookie
    assert receipt not in opened.text
    checks: list[str] = []
    real = receipts.check
    monkeypatch.setattr(receipts, "check", lambda *a: checks.append("x") or real(*a))
    assert 'id="status"' in c.get("/followup").text
    sent = c.post("/followup/message", data={"text": "More."})
    assert 'id="sent"' in sent.text and checks == []
    value = c.cookies.get("tipline_followup")
    assert value
    pk, expires, sig = value.split(".")
    for forged in (f"{int(pk) + 1}.{expires}.{sig}", f"{pk}.{int(expires) + 9}.{sig}"):
        other = client(service)
        other.cookies.set("tipline_followup", forged, path="/followup")
        assert 'id="receipt"' in other.get("/followup").text  # the receipt form again
    later = types.SimpleNamespace(time=lambda: time.time() + 1801)
    with monkeypatch.context() as m:
        m.setattr(followup, "time", later)
        assert 'id="receipt"' in c.get("/followup").text  # expired
    assert 'id="status"' in c.get("/followup").text
    c.post("/followup/close")
    assert 'id="receipt"' in c.get("/followup").text


def test_a_follow_up_session_is_audited_once_when_the_receipt_opens_it(service: Service) -> None:
    """Issue 14: every page of a follow-up session wrote a "report.read" audit entry, so each
    page view was a write queued behind the audit chain's head. The receipt's opening is
    the access recorded; the session's pages read only; a message is still recorded."""
    from tipline.service.models import AuditEntry

    def actions() -> list[str]:
        with service.database.session() as db:
            return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))

    c = client(service)
    receipt = c.post("/api/v1/reports", json={"text": "tip"}).json()["receipt"]
    before = actions()
    assert 'id="status"' in c.post("/followup", data={"receipt": receipt}).text
    assert actions() == [*before, "report.read"]
    for _ in range(3):
        assert 'id="status"' in c.get("/followup").text
    assert 'id="status"' in c.post("/followup", data={"receipt": ""}).text
    assert actions() == [*before, "report.read"]
    assert 'id="sent"' in c.post("/followup/message", data={"text": "More."}).text
    assert actions() == [*before, "report.read", "report.message"]
    assert c.get("/api/v1/followup", headers={"X-Receipt": receipt}).status_code == 200
    assert actions()[-1] == "report.read"


def test_a_new_report_that_draws_a_taken_case_id_draws_again(
        service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A case id is 3 random bytes a day: under the load test two reports drew the same one
    and the second was answered 500. It draws again instead."""
    from tipline.service.casefiles import cases

    ids = iter(["tip-20250101-aaaaaa", "tip-20250101-aaaaaa", "tip-20250101-bbbbbb"])
    monkeypatch.setattr(cases, "new_case_id", lambda: next(ids))
    c = client(service)
    assert c.post("/api/v1/reports", json={"text": "First."}).status_code == 201
    assert c.post("/api/v1/reports", json={"text": "Second."}).status_code == 201
    with service.database.session() as db:
        assert sorted(db.scalars(select(CaseRecord.case_id))) == [
            "tip-20250101-aaaaaa", "tip-20250101-bbbbbb"]
