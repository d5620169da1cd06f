"""The staff API of shared/api-contract.md: tokens, cases, statements, evidence, analysis."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import PASSWORD, Staff, token_for
from tipline.case import load_case
from tipline.service.models import AuditEntry
from tipline.service.runtime import Service

CASES = Path("/work/shared/cases/dev")
CASE_YAML = """\
id: api-1
received_at: 2025-06-10T09:12:00+08:00
channel: hotline
reporter: P1
people:
  - {id: P1, name: He Ming, role: reporter}
  - {id: P2, name: Zhao, role: subject}
statements:
  - {id: S1, by: P1, text: "Zhao paid me 18,000 CNY in June last year."}
"""


def test_token_needs_password_and_totp(staff_client: TestClient, team: dict[str, Staff]) -> None:
    ivy = team["ivy"]
    base = {"username": "ivy", "password": PASSWORD}
    assert staff_client.post("/api/v1/auth/token", json=base).status_code == 401
    assert staff_client.post("/api/v1/auth/token", json=base | {"totp": "000000"}
                             ).status_code == 401
    assert staff_client.post("/api/v1/auth/token", json=base | {"password": "x",
                             "totp": ivy.code()}).status_code == 401
    code = ivy.code()
    r = staff_client.post("/api/v1/auth/token", json=base | {"totp": code})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    replay = staff_client.post("/api/v1/auth/token", json=base | {"totp": code})
    assert replay.status_code == 401  # a one-time code is good once
    assert staff_client.get("/api/v1/cases").status_code == 401
    assert staff_client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}
                            ).status_code == 401


def test_revoked_token_stops_working(staff_client: TestClient, team: dict[str, Staff]) -> None:
    headers = token_for(staff_client, team["ivy"])
    other = token_for(staff_client, team["sue"])
    assert staff_client.get("/api/v1/cases", headers=headers).status_code == 200
    assert staff_client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert staff_client.get("/api/v1/cases", headers=headers).status_code == 401
    assert staff_client.delete("/api/v1/auth/token", headers=headers).status_code == 401
    assert staff_client.get("/api/v1/cases", headers=other).status_code == 200  # only that one


def test_case_round_trip_statements_evidence_analysis(
        staff_client: TestClient, team: dict[str, Staff]) -> None:
    h = token_for(staff_client, team["ivy"])
    r = staff_client.post("/api/v1/cases", content=CASE_YAML,
                          headers=h | {"content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    assert r.json() == {"case_id": "api-1"}
    assert [c["case_id"] for c in staff_client.get("/api/v1/cases", headers=h).json()] == [
        "api-1"]
    r = staff_client.post("/api/v1/cases/api-1/statements", headers=h, json={
        "by": "P2", "question": "Did you pay him?", "text": "I never paid anyone.",
        "setting": "interview 1"})
    assert r.status_code == 201, r.text
    r = staff_client.post("/api/v1/cases/api-1/evidence", headers=h, json={
        "id": "E1", "kind": "bank_transfer", "at": "2024-06-03",
        "text": "Transfer of 18,000 CNY from Zhao to He Ming.",
        "fields": {"amount": 18000, "currency": "CNY"}})
    assert r.status_code == 201, r.text
    case = staff_client.get("/api/v1/cases/api-1", headers=h).json()
    assert [s["id"] for s in case["statements"]] == ["S1", "S2"]
    assert case["statements"][1]["question"] == "Did you pay him?"
    assert case["evidence"][0] == {"id": "E1", "kind": "bank_transfer", "at": "2024-06-03",
                                   "text": "Transfer of 18,000 CNY from Zhao to He Ming.",
                                   "fields": {"amount": 18000, "currency": "CNY"}}
    analysis = staff_client.get("/api/v1/cases/api-1/analysis", headers=h).json()
    assert analysis["case"] == "api-1" and "findings" in analysis and "timeline" in analysis


def test_bad_case_file_is_422_naming_the_problem(
        staff_client: TestClient, team: dict[str, Staff]) -> None:
    h = token_for(staff_client, team["ivy"])
    r = staff_client.post("/api/v1/cases", content=CASE_YAML.replace("by: P1", "by: P9"),
                          headers=h | {"content-type": "application/yaml"})
    assert r.status_code == 422
    assert "statements[0].by" in r.json()["detail"] and "P9" in r.json()["detail"]
    staff_client.post("/api/v1/cases", content=CASE_YAML, headers=h)
    assert staff_client.post("/api/v1/cases", content=CASE_YAML, headers=h).status_code == 409
    r = staff_client.post("/api/v1/cases/api-1/statements", headers=h, json={"by": "P1"})
    assert r.status_code == 422 and "text" in r.json()["detail"]
    r = staff_client.post("/api/v1/cases/api-1/evidence", headers=h,
                          json={"kind": "telepathy", "text": "x"})
    assert r.status_code == 422 and "kind" in r.json()["detail"]


def test_shared_dev_cases_round_trip_unchanged(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    """Every dev case stored through the API comes back as the same case."""
    h = token_for(staff_client, team["sue"])
    files = sorted(p for p in CASES.glob("*.yaml") if ".gold." not in p.name)[:4]
    for path in files:
        r = staff_client.post("/api/v1/cases", content=path.read_bytes(), headers=h)
        assert r.status_code == 201, r.text
        original = load_case(path)
        back = staff_client.get(f"/api/v1/cases/{original.id}", headers=h).json()
        assert json.loads(json.dumps(original.to_dict())) == back


def test_openapi_documents_the_contract(staff_client: TestClient) -> None:
    paths = staff_client.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/auth/token", "/api/v1/cases", "/api/v1/cases/{case_id}",
              "/api/v1/cases/{case_id}/statements", "/api/v1/cases/{case_id}/evidence",
              "/api/v1/cases/{case_id}/analysis"):
        assert p in paths
    assert not any(p.startswith("/followup") or p == "/api/v1/reports" for p in paths)


def test_totp_secrets_are_sealed_at_rest(service: Service, staff_client: TestClient,
                                         team: dict[str, Staff]) -> None:
    """The database holds no usable second factor; a plain secret from before encryption still
    works and is sealed at that login."""
    from sqlalchemy import select

    from tipline.service.models import User

    ivy = team["ivy"]
    with service.database.session() as db:
        user = db.scalar(select(User).where(User.username == "ivy"))
        assert user is not None and user.totp_secret is not None
        assert user.totp_secret.startswith("fernet:") and ivy.totp_secret not in user.totp_secret
        user.totp_secret = ivy.totp_secret  # as stored before migration 0002
    token_for(staff_client, ivy)
    with service.database.session() as db:
        stored = db.scalar(select(User.totp_secret).where(User.username == "ivy"))
        assert stored is not None and stored.startswith("fernet:")
        assert ivy.totp_secret not in stored


def test_a_closed_case_takes_no_new_work_until_a_supervisor_reopens_it(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    """Issue 14 item 8: staff could add statements and records to a closed case, and nobody
    could reopen it."""
    sue = token_for(staff_client, team["sue"])
    assert staff_client.post("/api/v1/cases", content=CASE_YAML, headers=sue | {
        "content-type": "application/yaml"}).status_code == 201
    for status in ("triaged", "investigating"):
        assert staff_client.post("/api/v1/cases/api-1/status", headers=sue,
                                 json={"status": status}).status_code == 200
    assert staff_client.post("/api/v1/cases/api-1/status", headers=sue, json={
        "status": "closed", "disposition": "unfounded", "reasons": "No record of it."}
    ).status_code == 200
    r = staff_client.post("/api/v1/cases/api-1/statements", headers=sue,
                          json={"by": "P2", "text": "One more thing."})
    assert r.status_code == 422 and "closed" in r.json()["detail"]
    r = staff_client.post("/api/v1/cases/api-1/evidence", headers=sue,
                          json={"kind": "note", "text": "A late record."})
    assert r.status_code == 422 and "closed" in r.json()["detail"]
    short = staff_client.post("/api/v1/cases/api-1/reopen", headers=sue, json={"reason": "x"})
    assert short.status_code == 422
    r = staff_client.post("/api/v1/cases/api-1/reopen", headers=sue,
                          json={"reason": "The bank sent the missing statements."})
    assert r.status_code == 200 and r.json() == {"status": "investigating"}
    listed = staff_client.get("/api/v1/cases", headers=sue).json()
    assert [c["status"] for c in listed] == ["investigating"]
    assert staff_client.post("/api/v1/cases/api-1/statements", headers=sue, json={
        "by": "P2", "text": "One more thing."}).status_code == 201
    assert staff_client.post("/api/v1/cases/api-1/reopen", headers=sue, json={
        "reason": "Not closed, so nothing to reopen."}).status_code == 422
    with service.database.session() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "case.reopen")).one()
        assert entry.actor == "sue" and entry.detail["disposition"] == "unfounded"
        assert "missing statements" in entry.detail["reason"]


def test_only_supervisors_reopen(service: Service, staff_client: TestClient,
                                 team: dict[str, Staff]) -> None:
    sue, ivy = token_for(staff_client, team["sue"]), token_for(staff_client, team["ivy"])
    assert staff_client.post("/api/v1/cases", content=CASE_YAML, headers=ivy | {
        "content-type": "application/yaml"}).status_code == 201
    assert staff_client.post("/api/v1/cases/api-1/status", headers=sue, json={
        "status": "closed", "disposition": "unfounded", "reasons": "No record."}
    ).status_code == 200
    assert staff_client.post("/api/v1/cases/api-1/reopen", headers=ivy, json={
        "reason": "I would like to carry on."}).status_code == 403


def test_the_case_list_pages_by_key(staff_client: TestClient, team: dict[str, Staff],
                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`GET /api/v1/cases` gives every case without `limit` (as the contract has it); with it,
    pages that follow each other through `Link: rel="next"` and together are the whole list,
    a case added between pages shifting nothing; `before` naming a case the user may not see
    is 404, as that case is. The staff page shows 200 at a time with a link to older ones."""
    import re
    import time

    from tests.service.conftest import login_page
    from tipline.service.staff import cases as case_routes

    ivy, sue = token_for(staff_client, team["ivy"]), token_for(staff_client, team["sue"])
    tag = f"page{time.monotonic_ns()}"
    for i in range(5):  # stored by an investigator: assigned to her
        body = CASE_YAML.replace("id: api-1", f"id: {tag}-{i}")
        assert staff_client.post("/api/v1/cases", content=body, headers=ivy | {
            "Content-Type": "application/yaml"}).status_code == 201
    everything = [c["case_id"] for c in staff_client.get("/api/v1/cases", headers=ivy).json()]
    assert [c for c in everything if c.startswith(tag)] == [f"{tag}-{i}" for i in range(4, -1, -1)]

    paged, url = [], "/api/v1/cases?limit=2"
    while url:
        r = staff_client.get(url, headers=ivy)
        assert r.status_code == 200 and len(r.json()) <= 2
        paged += [c["case_id"] for c in r.json()]
        if not paged or len(paged) == 2:  # a case arriving between pages shifts nothing
            body = CASE_YAML.replace("id: api-1", f"id: {tag}-late")
            assert staff_client.post("/api/v1/cases", content=body, headers=ivy | {
                "Content-Type": "application/yaml"}).status_code == 201
        link = r.headers.get("link")
        assert (link is not None) == (len(r.json()) == 2)
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link).group(1) if link else ""
    assert paged == everything

    body = CASE_YAML.replace("id: api-1", f"id: {tag}-sues")
    assert staff_client.post("/api/v1/cases", content=body, headers=sue | {
        "Content-Type": "application/yaml"}).status_code == 201  # not assigned to ivy
    for unknown in (f"{tag}-sues", "no-such-case"):
        r = staff_client.get("/api/v1/cases", params={"limit": 2, "before": unknown},
                             headers=ivy)
        assert r.status_code == 404 and r.json()["detail"] == f"no case {unknown!r}"
    assert staff_client.get("/api/v1/cases?limit=0", headers=ivy).status_code == 422

    monkeypatch.setattr(case_routes, "PAGE", 2)
    login_page(staff_client, team["ivy"])

    def listed(html: str) -> list[str]:
        return re.findall(r'<a href="/cases/([^"]+)">', html)

    first = staff_client.get("/").text
    assert listed(first) == [f"{tag}-late", f"{tag}-4"]
    older = re.search(r'href="/\?before=([^"]+)" id="older"', first)
    assert older is not None and older.group(1) == f"{tag}-4"
    second = staff_client.get(f"/?before={older.group(1)}").text
    assert listed(second) == [f"{tag}-3", f"{tag}-2"]
    assert 'href="/">' in second  # back to the newest
    assert staff_client.get("/?before=no-such-case").status_code == 404
