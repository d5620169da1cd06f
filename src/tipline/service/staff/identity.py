"""The reporter's identity and original files: requested with a reason, decided by a
custodian, viewed or downloaded once approved (audited).

    POST /cases/{case_id}/identity/request        request the reporter's identity, with reason
    GET  /cases/{case_id}/identity                view it once approved (audited)
    POST /cases/{case_id}/originals/request       request the reporter's files as sent, with reason
    GET  /cases/{case_id}/uploads/{id}/original   download one once approved (audited, SHA-256)
    GET  /identity-requests, POST /identity-requests/{id}/decide      custodian
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipline.service.casefiles import casework
from tipline.service.staff.answers import DOMAIN_ERRORS, http_error, page_case
from tipline.service.staff.deps import Csrf, Db, Sess, Svc, check_csrf
from tipline.service.staff.pages import act, download, page
from tipline.service.web import CommitRoute

pages = APIRouter(route_class=CommitRoute)


@pages.post("/cases/{case_id}/identity/request", include_in_schema=False)
def identity_request(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                     reason: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "identity.request",
               lambda rec: casework.request_identity(db, sess.user, rec, reason),
               "#identity")


@pages.post("/cases/{case_id}/originals/request", include_in_schema=False)
def originals_request(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                      reason: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "identity.request",
               lambda rec: casework.request_identity(db, sess.user, rec, reason,
                                                     subject="originals"),
               "#reporter-files")


@pages.get("/cases/{case_id}/uploads/{upload_id}/original", include_in_schema=False)
def original_file(case_id: str, upload_id: int, service: Svc, sess: Sess, db: Db) -> Response:
    rec = page_case(db, sess, case_id, "identity.request")
    try:
        name, data = casework.view_original(db, sess.user, rec, upload_id, service.files)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return download(name, data)


@pages.get("/cases/{case_id}/identity", response_class=HTMLResponse, include_in_schema=False)
def identity_view(case_id: str, request: Request, service: Svc, sess: Sess, db: Db
                  ) -> HTMLResponse:
    rec = page_case(db, sess, case_id, "identity.request")
    try:
        who = casework.view_identity(db, sess.user, rec, service.identity)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return page(request, "staff/identity.html", sess, case=rec, who=who)


@pages.get("/identity-requests", response_class=HTMLResponse, include_in_schema=False)
def identity_requests(request: Request, sess: Sess, db: Db) -> HTMLResponse:
    try:
        rows = casework.pending_identity_requests(db, sess.user)
    except casework.Forbidden as exc:
        raise http_error(exc) from None
    return page(request, "staff/identity_requests.html", sess, requests=rows)


@pages.post("/identity-requests/{request_id}/decide", include_in_schema=False)
def identity_decide(request_id: int, sess: Sess, db: Db, csrf_token: Csrf = "",
                    decision: Annotated[str, Form()] = "",
                    reason: Annotated[str, Form()] = "") -> Response:
    check_csrf(sess, csrf_token)
    try:
        casework.decide_identity(db, sess.user, request_id, decision == "approve", reason)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return RedirectResponse("/identity-requests", status_code=303)
