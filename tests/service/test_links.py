"""Linked cases in the staff app: on the case page and at /api/v1/cases/{id}/links, only ever
among the cases the user may see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import Staff, login_page, token_for
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


def _store(client: TestClient, team: dict[str, Staff]) -> dict[str, dict[str, str]]:
    """link-left assigned to ivy, link-right to ian, link-alone to ivy."""
    heads = {n: token_for(client, team[n]) for n in ("ivy", "ian", "sue")}
    for case, who in ((LEFT, "ivy"), (RIGHT, "ian"), (ALONE, "ivy")):
        assert client.post("/api/v1/cases", json=case, headers=heads[who]).status_code == 201
    return heads


def test_supervisor_sees_the_link_both_ways(service: Service, staff_client: TestClient,
                                             team: dict[str, Staff]) -> None:
    heads = _store(staff_client, team)
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
                                                   team: dict[str, Staff]) -> None:
    heads = _store(staff_client, team)
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
