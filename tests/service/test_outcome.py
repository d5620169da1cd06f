"""Reward and leniency from the YAML rules, each result naming the rules that fired; the
anonymised summary keeps initials only and redacts identifiers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import Staff, login_page, token_for
from tipline.service.outcome import assess_leniency, assess_reward, initial, redact
from tipline.service.policy import load_policies

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
