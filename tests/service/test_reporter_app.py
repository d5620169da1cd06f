"""The reporter app: submit, receipt shown once and stored hashed, follow-up, throttles."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tipline.service.models import CaseRecord, Report, ReporterIdentity, StatementRecord
from tipline.service.reporter_app import create_reporter_app
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
        assert receipt not in report.receipt_hash and report.receipt_hash.startswith("$argon2id$")
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
    r = c.post("/api/v1/reports", content=b"x" * (600 * 1024),
               headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_oversized_chunked_body_is_413_without_content_length(service: Service) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(60):
            yield b"x" * 10_000

    r = client(service).post("/api/v1/reports", content=chunks(),
                             headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_empty_report_is_422(service: Service) -> None:
    assert client(service).post("/api/v1/reports", json={"text": "  "}).status_code == 422
