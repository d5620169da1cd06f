"""Linked cases in the staff app: on the case page and at /api/v1/cases/{id}/links, only ever
among the cases the user may see."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.service.conftest import Staff, login_page, token_for
from tipline.service import jobs
from tipline.service.casefiles import caselinks
from tipline.service.models import CaseLinkRecords, CaseLinkRow, CaseRecord
from tipline.service.runtime import Service

PHONE = "+44 7911 123456"


def _case(case_id: str, category: str, person: dict[str, object],
          reporter: str) -> dict[str, object]:
    return {"id": case_id, "received_at": "2025-03-01T10:00:00+00:00", "category": category,
            "people": [{"id": "P1", "role": "reporter", "name": reporter},
                       {"id": "P2", **person}],
            "statements": [{"id": "S1", "by": "P1", "text": "Money changed hands."}]}


LEFT = _case("link-left", "Procurement kickbacks",
             {"role": "subject", "name": "Bob Dealer", "phone": PHONE},
             "Ann Lee")
RIGHT = _case("link-right", "Secret tender rigging",
              {"role": "witness", "name": "Carl Other", "phone": PHONE},
              "Mo Patel")
ALONE = _case("link-alone", "Unrelated matter", {"role": "subject", "name": "Dan Nobody"},
              "Zoe Quist")


@pytest.fixture(params=["on request", "in the background"])
def worker_ran(request: pytest.FixtureRequest) -> bool:
    """Each test twice: before the worker linked the cases (the page links on request) and
    after (the page reads the stored links)."""
    return bool(request.param == "in the background")


def _store(client: TestClient, team: dict[str, Staff], service: Service | None = None
           ) -> dict[str, dict[str, str]]:
    """link-left assigned to ivy, link-right to ian, link-alone to ivy; with `service`, the
    worker then runs (analysis and links)."""
    heads = {n: token_for(client, team[n]) for n in ("ivy", "ian", "sue")}
    for case, who in ((LEFT, "ivy"), (RIGHT, "ian"), (ALONE, "ivy")):
        assert client.post("/api/v1/cases", json=case, headers=heads[who]).status_code == 201
    if service is not None:
        assert jobs.run_pending(service.database, service.analyzer) >= 3
    return heads


def test_supervisor_sees_the_link_both_ways(service: Service, staff_client: TestClient,
                                             team: dict[str, Staff], worker_ran: bool) -> None:
    heads = _store(staff_client, team, service if worker_ran else None)
    left = staff_client.get("/api/v1/cases/link-left/links", headers=heads["sue"])
    right = staff_client.get("/api/v1/cases/link-right/links", headers=heads["sue"])
    assert left.status_code == right.status_code == 200
    assert [x["case_id"] for x in left.json()] == ["link-right"]
    assert [x["case_id"] for x in right.json()] == ["link-left"]
    got = left.json()[0]
    assert got["category"] == "Secret tender rigging" and got["score"] > 0.9
    texts = [r["text"] for r in got["reasons"]]
    assert any("a subject (P2) of this case is a witness (P2) in case link-right" in t
               and "+447911123456" in t.replace(" ", "") for t in texts), texts
    back = [r["text"] for r in right.json()[0]["reasons"]]
    assert any("a witness (P2) of this case is a subject (P2) in case link-left" in t
               for t in back), back
    assert staff_client.get("/api/v1/cases/link-alone/links",
                            headers=heads["sue"]).json() == []

    login_page(staff_client, team["sue"])
    page = staff_client.get("/cases/link-left").text
    assert "Linked cases" in page and "/cases/link-right" in page
    assert "Secret tender rigging" in page and "of this case is a witness (P2)" in page


def test_investigator_never_sees_a_case_not_theirs(service: Service, staff_client: TestClient,
                                                   team: dict[str, Staff],
                                                   worker_ran: bool) -> None:
    heads = _store(staff_client, team, service if worker_ran else None)
    for who, mine, theirs, name in (("ivy", "link-left", RIGHT, "Carl Other"),
                                    ("ian", "link-right", LEFT, "Bob Dealer")):
        r = staff_client.get(f"/api/v1/cases/{mine}/links", headers=heads[who])
        assert r.status_code == 200 and r.json() == []
        assert str(theirs["id"]) not in r.text and str(theirs["category"]) not in r.text
        # nor through the other case's own links
        assert staff_client.get(f"/api/v1/cases/{theirs['id']}/links",
                                headers=heads[who]).status_code == 404

        login_page(staff_client, team[who])
        page = staff_client.get(f"/cases/{mine}")
        assert page.status_code == 200 and "Linked cases" in page.text
        assert str(theirs["id"]) not in page.text
        assert str(theirs["category"]) not in page.text
        assert name not in page.text
        assert "No linked cases" in page.text
        staff_client.cookies.clear()


def test_unknown_case_is_404(service: Service, staff_client: TestClient,
                             team: dict[str, Staff]) -> None:
    heads = _store(staff_client, team)
    for who in ("sue", "ivy"):
        r = staff_client.get("/api/v1/cases/no-such-case/links", headers=heads[who])
        assert r.status_code == 404
    assert staff_client.get("/api/v1/cases/link-left/links").status_code == 401


def test_the_worker_stores_links_and_the_page_reads_them(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    heads = _store(staff_client, team)
    before = staff_client.get("/api/v1/cases/link-left/links", headers=heads["sue"]).json()
    jobs.run_pending(service.database, service.analyzer)
    with service.database.session() as db:
        pks = {c.case_id: c.id for c in db.scalars(select(CaseRecord))}
        assert {(r.case_a_pk, r.case_b_pk) for r in db.scalars(select(CaseLinkRow))} == {
            (pks["link-left"], pks["link-right"])}
        assert all(k.case_version == db.get(CaseRecord, k.case_pk).version  # type: ignore[union-attr]
                   for k in db.scalars(select(CaseLinkRecords)))
    after = staff_client.get("/api/v1/cases/link-left/links", headers=heads["sue"]).json()
    assert after == before  # the stored links are the ones linking on request finds
    with service.database.session() as db:  # the page reads the stored row, not a new linking
        db.execute(update(CaseLinkRow).values(score=0.4242))
    got = staff_client.get("/api/v1/cases/link-left/links", headers=heads["sue"]).json()
    assert got[0]["score"] == 0.424


def test_a_changed_case_is_linked_again(service: Service, staff_client: TestClient,
                                        team: dict[str, Staff]) -> None:
    """A new version links on request until its job has run; then the worker stores its
    new links, seen from both sides."""
    heads = _store(staff_client, team, service)
    r = staff_client.post("/api/v1/cases/link-alone/evidence", headers=heads["sue"], json={
        "id": "E1", "kind": "communication", "at": "2025-02-27",
        "text": f"Calls from {PHONE} to the depot.", "fields": {"caller": PHONE}})
    assert r.status_code == 201, r.text
    on_request = staff_client.get("/api/v1/cases/link-alone/links", headers=heads["sue"]).json()
    assert sorted(x["case_id"] for x in on_request) == ["link-left", "link-right"]
    jobs.run_pending(service.database, service.analyzer)
    with service.database.session() as db:
        pks = {c.case_id: c.id for c in db.scalars(select(CaseRecord))}
        assert {(r.case_a_pk, r.case_b_pk) for r in db.scalars(select(CaseLinkRow))} == {
            (pks["link-left"], pks["link-right"]), (pks["link-alone"], pks["link-left"]),
            (pks["link-alone"], pks["link-right"])}
    stored = staff_client.get("/api/v1/cases/link-alone/links", headers=heads["sue"]).json()
    assert stored == on_request
    left = staff_client.get("/api/v1/cases/link-left/links", headers=heads["sue"]).json()
    assert sorted(x["case_id"] for x in left) == ["link-alone", "link-right"]


def test_refresh_of_a_case_erased_meanwhile_stores_nothing(service: Service) -> None:
    assert caselinks.refresh(service.database, 999_999) is None
