"""The permission matrix, tested through the real actions: who may do what, on whose case."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import Staff, token_for
from tipline.service.accounts import permissions
from tipline.service.casefiles import casework
from tipline.service.models import User
from tipline.service.runtime import Service

CASE = {"id": "perm-1", "received_at": "2025-01-01T10:00:00+00:00",
        "people": [{"id": "P1", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "text": "Cash changed hands."}]}


def test_matrix_is_complete_and_only_known_roles() -> None:
    for action, grants in permissions.MATRIX.items():
        assert set(grants) <= set(permissions.ROLES), action
        assert set(grants.values()) <= {"all", "assigned"}
    assert permissions.table()[0] == ["action", *permissions.ROLES]


def test_investigator_sees_only_assigned_cases(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    ivy, ian, sue = (token_for(staff_client, team[n]) for n in ("ivy", "ian", "sue"))
    assert staff_client.post("/api/v1/cases", json=CASE, headers=ivy).status_code == 201
    assert [c["case_id"] for c in staff_client.get("/api/v1/cases", headers=ivy).json()] == [
        "perm-1"]
    assert staff_client.get("/api/v1/cases", headers=ian).json() == []
    assert staff_client.get("/api/v1/cases/perm-1", headers=ian).status_code == 404
    assert staff_client.get("/api/v1/cases/perm-1/analysis", headers=ian).status_code == 404
    assert staff_client.post("/api/v1/cases/perm-1/statements", headers=ian,
                             json={"by": "P1", "text": "x"}).status_code == 404
    assert staff_client.get("/api/v1/cases/perm-1", headers=sue).status_code == 200
    for name in ("cus", "ada"):  # custodians and admins read no case content
        h = token_for(staff_client, team[name])
        assert staff_client.get("/api/v1/cases", headers=h).json() == []
        assert staff_client.get("/api/v1/cases/perm-1", headers=h).status_code == 404
        assert staff_client.post("/api/v1/cases", json=CASE | {"id": "x"},
                                 headers=h).status_code == 403


@pytest.mark.parametrize("role", permissions.ROLES)
def test_every_action_follows_the_matrix(service: Service, role: str) -> None:
    """Run each guarded action as `role` on a case assigned to them and one that is not."""
    from tipline.case import case_from_mapping
    from tipline.service.accounts import auth
    from tipline.service.casefiles import cases

    with service.database.session() as db:
        me = auth.create_user(db, service.hasher, "me", role, "a long password!", vault=None)
        other = auth.create_user(db, service.hasher, "other", "investigator",
                                 "a long password!", vault=None)
        mine = cases.store_case(db, case_from_mapping(CASE), assigned_to=me)
        theirs = cases.store_case(db, case_from_mapping(CASE | {"id": "perm-2"}),
                                  assigned_to=other)
        for rec, assigned in ((mine, True), (theirs, False)):
            for action in ("case.edit", "case.assign", "case.close", "outcome.assess",
                           "message.reply", "identity.request"):
                expected = permissions.allowed(role, action, assigned=assigned)
                try:
                    casework.require(me, action, rec)
                    got = True
                except casework.Forbidden:
                    got = False
                assert got == expected, (role, action, assigned)
            visible = permissions.allowed(role, "case.view", assigned=assigned)
            try:
                casework.open_case(db, me, rec.case_id)
                assert visible
            except casework.NotFound:
                assert not visible
        user = db.scalar(select(User).where(User.username == "me"))
        assert user is not None
        listed = {c.case_id for c in casework.visible_cases(db, user)}
        expected_list = {"perm-1", "perm-2"} if role == "supervisor" else \
            {"perm-1"} if role == "investigator" else set()
        assert listed == expected_list


def test_workflow_and_closing_rules(service: Service, staff_client: TestClient,
                                    team: dict[str, Staff]) -> None:
    ivy, sue = token_for(staff_client, team["ivy"]), token_for(staff_client, team["sue"])
    staff_client.post("/api/v1/cases", json=CASE, headers=ivy)
    st = "/api/v1/cases/perm-1/status"
    assert staff_client.post(st, headers=ivy, json={"status": "investigating"}
                             ).status_code == 422  # received -> investigating is not allowed
    assert staff_client.post(st, headers=ivy, json={"status": "triaged"}).status_code == 200
    assert staff_client.post(st, headers=ivy, json={
        "status": "closed", "disposition": "unfounded", "reasons": "no"}).status_code == 403
    assert staff_client.post(st, headers=sue, json={"status": "closed"}).status_code == 422
    r = staff_client.post(st, headers=sue, json={"status": "closed", "disposition": "referred",
                                                 "reasons": "Police matter."})
    assert r.status_code == 200 and r.json() == {"status": "closed"}
    assert staff_client.post(st, headers=sue, json={"status": "triaged"}).status_code == 422


def test_admin_manages_accounts_and_reads_audit(staff_client: TestClient,
                                                team: dict[str, Staff]) -> None:
    from tests.service.conftest import login_page

    csrf = login_page(staff_client, team["ada"])
    page = staff_client.get("/users")
    assert page.status_code == 200 and "ivy" in page.text
    assert staff_client.get("/audit").status_code == 200
    assert "Chain intact" in staff_client.get("/audit").text
    row = re.search(r"<td>ivy</td>.*?action=\"/users/(\d+)/active\"", page.text, re.S)
    assert row is not None
    ivy_id = int(row[1])
    h = token_for(staff_client, team["ivy"])
    assert staff_client.get("/api/v1/cases", headers=h).status_code == 200
    ivy_page = TestClient(staff_client.app)
    login_page(ivy_page, team["ivy"])
    staff_client.post(f"/users/{ivy_id}/active", data={"csrf_token": csrf, "active": "0"})
    assert staff_client.get("/api/v1/cases", headers=h).status_code == 401  # token dead
    # Issue 14 item 4: reactivating must not bring the old token or session back to life
    staff_client.post(f"/users/{ivy_id}/active", data={"csrf_token": csrf, "active": "1"})
    assert staff_client.get("/api/v1/cases", headers=h).status_code == 401
    assert ivy_page.get("/", follow_redirects=False).status_code == 303
    for name in ("ivy", "sue", "cus"):
        other = TestClient(staff_client.app)
        if name != "ivy":
            login_page(other, team[name])
            assert other.get("/users").status_code == 403
            assert other.get("/audit").status_code == 403
