"""The two apps' routes as the outside sees them: every (method, path, name) pinned, the OpenAPI
documents equal to the stored ones, and no two routes that could answer the same request (so
the order in which the area routers are included cannot change which route answers).

After a deliberate change to the API, rewrite the stored documents with
`TIPLINE_WRITE_OPENAPI=1 pytest tests/service/test_routes.py` and review the diff."""

from __future__ import annotations

import json
import os
import re
from itertools import combinations
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service
from tipline.service.staff.app import create_staff_app

SNAPSHOTS = Path(__file__).parent / "snapshots"

STAFF = [
    ("GET", "/openapi.json", "openapi"),
    ("MOUNT", "/static", "static"),
    ("POST", "/api/v1/auth/token", "token"),
    ("DELETE", "/api/v1/auth/token", "revoke"),
    ("GET", "/api/v1/cases", "list_cases"),
    ("POST", "/api/v1/cases", "create_case"),
    ("GET", "/api/v1/cases/{case_id}", "get_case"),
    ("POST", "/api/v1/cases/{case_id}/statements", "post_statement"),
    ("POST", "/api/v1/cases/{case_id}/evidence", "post_evidence"),
    ("POST", "/api/v1/cases/{case_id}/imports", "post_import"),
    ("GET", "/api/v1/cases/{case_id}/analysis", "get_analysis"),
    ("GET", "/api/v1/cases/{case_id}/links", "get_links"),
    ("POST", "/api/v1/cases/{case_id}/status", "post_status"),
    ("POST", "/api/v1/cases/{case_id}/reopen", "post_reopen"),
    ("GET", "/login", "login_form"),
    ("POST", "/login", "login_post"),
    ("POST", "/logout", "logout"),
    ("GET", "/", "home"),
    ("GET", "/intake", "intake_form"),
    ("POST", "/intake", "intake_post"),
    ("GET", "/cases/{case_id}", "case_page"),
    ("POST", "/cases/{case_id}/status", "status_form"),
    ("POST", "/cases/{case_id}/reopen", "reopen_form"),
    ("POST", "/cases/{case_id}/hold", "hold_form"),
    ("POST", "/cases/{case_id}/assign", "assign_form"),
    ("POST", "/cases/{case_id}/statements", "statement_form"),
    ("POST", "/cases/{case_id}/evidence", "evidence_form"),
    ("POST", "/cases/{case_id}/imports", "import_form"),
    ("POST", "/cases/{case_id}/tasks", "task_form"),
    ("POST", "/cases/{case_id}/tasks/{task_id}/done", "task_done"),
    ("POST", "/cases/{case_id}/notes", "note_form"),
    ("POST", "/cases/{case_id}/messages", "message_form"),
    ("POST", "/cases/{case_id}/identity/request", "identity_request"),
    ("POST", "/cases/{case_id}/originals/request", "originals_request"),
    ("GET", "/cases/{case_id}/uploads/{upload_id}/original", "original_file"),
    ("GET", "/cases/{case_id}/identity", "identity_view"),
    ("GET", "/cases/{case_id}/findings", "findings_page"),
    ("GET", "/cases/{case_id}/outcome", "outcome_page"),
    ("POST", "/cases/{case_id}/outcome", "outcome_form"),
    ("GET", "/attachments/{attachment_id}", "attachment"),
    ("GET", "/identity-requests", "identity_requests"),
    ("POST", "/identity-requests/{request_id}/decide", "identity_decide"),
    ("GET", "/audit", "audit_page"),
    ("GET", "/users", "users_page"),
    ("POST", "/users/{user_id}/active", "users_active"),
]

REPORTER = [
    ("GET", "/openapi.json", "openapi"),
    ("MOUNT", "/static", "static"),
    ("POST", "/api/v1/reports", "submit_api"),
    ("GET", "/api/v1/followup", "followup_api"),
    ("POST", "/api/v1/followup/messages", "message_api"),
    ("GET", "/", "home"),
    ("POST", "/report", "submit_form"),
    ("GET", "/followup", "followup_form"),
    ("POST", "/followup", "followup_form_post"),
    ("POST", "/followup/message", "message_form"),
    ("POST", "/followup/close", "close_session"),
]


def routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path, name) of every route, routers' routes at their full paths."""
    rows = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            rows.append(("MOUNT", str(context.path), str(context.name)))
            continue
        methods = sorted(set(context.methods or []) - {"HEAD"})
        rows += [(method, str(context.path), str(context.name)) for method in methods]
    return rows


def apps(service: Service) -> dict[str, tuple[FastAPI, list[tuple[str, str, str]]]]:
    return {"staff": (create_staff_app(service), STAFF),
            "reporter": (create_reporter_app(service), REPORTER)}


def test_every_route_is_where_it_was(service: Service) -> None:
    for app, expected in apps(service).values():
        assert sorted(routes(app)) == sorted(expected)


def _overlap(a: str, b: str) -> bool:
    """Whether some path matches both templates (a parameter matches any one segment)."""
    sa, sb = a.strip("/").split("/"), b.strip("/").split("/")
    return len(sa) == len(sb) and all(x == y or x.startswith("{") or y.startswith("{")
                                      for x, y in zip(sa, sb, strict=True))


def test_no_two_routes_answer_the_same_request(service: Service) -> None:
    for app, _ in apps(service).values():
        table = [r for r in routes(app) if r[0] != "MOUNT"]
        assert all("{" not in p or re.fullmatch(r"(/[^/{}]+|/\{\w+\})+", p) for _, p, _ in table)
        clashes = [(a, b) for a, b in combinations(table, 2)
                   if a[0] == b[0] and _overlap(a[1], b[1])]
        assert clashes == []


@pytest.mark.parametrize("name", ["staff", "reporter"])
def test_openapi_documents_are_unchanged(service: Service, name: str) -> None:
    app, _ = apps(service)[name]
    stored = SNAPSHOTS / f"openapi-{name}.json"
    doc = json.dumps(app.openapi(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("TIPLINE_WRITE_OPENAPI"):
        stored.write_text(doc, encoding="utf-8")
    assert json.loads(doc) == json.loads(stored.read_text(encoding="utf-8"))
