"""Reward and leniency from the YAML rules, each result naming the rules that fired; the
anonymised summary keeps initials only and redacts identifiers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import Staff, login_page, token_for
from tipline.service.casefiles.outcome import assess_leniency, assess_reward, initial, redact
from tipline.service.models import CaseRecord
from tipline.service.policy import load_policies
from tipline.service.runtime import Service

P = load_policies()


def _rules(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in result.fired]


def test_reward_bands_and_reasons() -> None:
    r = assess_reward(P.rewards, {"disposition": "unfounded", "reporter_implicated": False})
    assert not r.eligible and _rules(r) == ["not-substantiated"]
    r = assess_reward(P.rewards, {"disposition": "substantiated", "value_involved": 250_000,
                                  "reporter_implicated": False})
    assert r.eligible and r.band == "significant"
    assert _rules(r) == ["substantiated", "value-significant"]
    r = assess_reward(P.rewards, {"disposition": "substantiated", "value_involved": 2_000_000,
                                  "reporter_implicated": True})
    assert r.band == "significant"  # major, one step down for an implicated reporter
    assert _rules(r) == ["substantiated", "value-significant", "value-major",
                         "reporter-implicated"]


def test_leniency_grounds() -> None:
    r = assess_leniency(P.leniency, {"reporter_implicated": False})
    assert r.level == "none" and _rules(r) == ["not-implicated"]
    r = assess_leniency(P.leniency, {"reporter_implicated": True, "voluntary_surrender": True,
                                     "truthful_confession": True})
    assert r.level == "lighter_or_mitigated" and r.grounds == ["voluntary_surrender"]
    r = assess_leniency(P.leniency, {"reporter_implicated": True, "voluntary_surrender": True,
                                     "truthful_confession": False})
    assert r.level == "none" and _rules(r) == ["surrender-without-confession"]
    r = assess_leniency(P.leniency, {
        "reporter_implicated": True, "voluntary_surrender": False, "truthful_confession": True,
        "meritorious_information": True, "significance": "high"})
    assert r.level == "mitigated_or_exempt"
    assert r.grounds == ["meritorious_information", "truthful_confession"]
    assert _rules(r) == ["truthful-confession", "meritorious-information",
                         "major-meritorious-information"]


def test_redaction_and_initials() -> None:
    text = ("He Ming (he.ming@example.com, +86 138-0013-8000) paid into account "
            "6222 0212 3456 7890 and DE89 3704 0044 0532 0130 00; see https://x.example/a.")
    out = redact(text, ["He Ming"])
    for secret in ("he.ming@", "138-0013", "6222", "DE89", "https://", "He Ming"):
        assert secret not in out, secret
    assert out.startswith("M. ([email], [number])")
    assert initial("Wang Fang") == "F." and initial("王芳") == "王." and initial("") == "[person]"


def test_outcome_page_closes_the_loop(staff_client: TestClient, team: dict[str, Staff]) -> None:
    h = token_for(staff_client, team["sue"])
    case = {"id": "out-1", "received_at": "2025-06-10T09:00:00+08:00", "channel": "hotline",
            "category": "bribery", "reporter": "P1",
            "people": [{"id": "P1", "name": "He Ming", "role": "reporter"}],
            "statements": [{"id": "S1", "by": "P1", "text": "I paid He Ming's boss; call me "
                            "on 13800138000."}]}
    assert staff_client.post("/api/v1/cases", json=case, headers=h).status_code == 201
    staff_client.post("/api/v1/cases/out-1/status", headers=h, json={"status": "triaged"})
    staff_client.post("/api/v1/cases/out-1/status", headers=h, json={
        "status": "closed", "disposition": "substantiated",
        "reasons": "Bank records confirm He Ming's account."})
    csrf = login_page(staff_client, team["sue"])
    r = staff_client.post("/cases/out-1/outcome", data={
        "csrf_token": csrf, "value_involved": "150,000", "significance": "medium",
        "reporter_implicated": "yes", "voluntary_surrender": "1", "truthful_confession": "1"})
    assert r.status_code == 200
    page = r.text
    assert "Band <strong>basic</strong>" in page  # significant, one step down
    assert "value-significant" in page and "reporter-implicated" in page
    assert "lighter or mitigated" in page and "voluntary-surrender" in page
    summary = page.split('id="summary">')[1].split("</pre>")[0]
    assert "He Ming" not in summary and "13800138000" not in summary
    assert "reporter M." in summary and "(substantiated)" in summary


def test_summary_redacts_the_reporters_identity_fields_and_names_in_free_text(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    """Issue 14 item 2: a web report's reporter gave their name in the identity fields and in
    the text; only names in the people list (none here) were redacted."""
    from tipline.service.reporter.app import create_reporter_app

    reporter = TestClient(create_reporter_app(service))
    for text in ("I am Zhang Min from accounts. My manager Li Qiang took 20,000 CNY; Zhang "
                 "saw it and Qiang knows. Write to zm.accounts@example.org or wechat zmin88.",
                 "我是财务部的张敏，我们科长李强收了几万块。"):
        r = reporter.post("/api/v1/reports", json={
            "text": text, "identity": {"name": "Zhang Min", "contact": "wechat zmin88"}})
        assert r.status_code == 201
    csrf = login_page(staff_client, team["sue"])
    assert csrf
    with service.database.session() as db:
        ids = db.scalars(select(CaseRecord.case_id).order_by(CaseRecord.id)).all()
    english = staff_client.get(f"/cases/{ids[0]}/outcome").text
    chinese = staff_client.get(f"/cases/{ids[1]}/outcome").text
    for secret in ("Zhang", "Min ", "Li Qiang", "Qiang", "zm.accounts", "zmin88", "张敏", "李强"):
        assert secret not in english and secret not in chinese, secret
    assert "from reporter M." in english and "took 20,000 CNY" in english
    assert "收了几万块" in chinese
