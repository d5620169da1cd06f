"""Cases: the list, a new case (a case file by API, a report taken by an operator), one
case's page and record, its links, and moving it through the workflow (status, reopen,
legal hold, assignment).

    GET/POST /api/v1/cases[?limit=N&before=CASE_ID], GET /api/v1/cases/{case_id},
    GET /api/v1/cases/{case_id}/links
    POST /api/v1/cases/{case_id}/{status|reopen}
    GET  /[?before=CASE_ID]                       case list with EU deadlines, 200 a page
    GET/POST /intake                              operator intake: phone / walk-in report
    GET  /cases/{case_id}                         case page
    POST /cases/{case_id}/{status|reopen|hold|assign}
"""

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from tipline.case import parse_case
from tipline.imports import FORMATS, bank_csv
from tipline.service import audit
from tipline.service.accounts.permissions import allowed
from tipline.service.casefiles import (
    caselinks,
    cases,
    casework,
    evidence_import,
    retention,
)
from tipline.service.i18n import N_
from tipline.service.intake import reports, uploads
from tipline.service.models import IdentityRequest, Message, Note, Task, User
from tipline.service.staff.answers import DOMAIN_ERRORS, answers, api_case, http_error, page_case
from tipline.service.staff.deps import ApiUser, Csrf, Db, Sess, Svc, check_csrf
from tipline.service.staff.pages import act, page
from tipline.service.web import CommitRoute

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)


class StatusIn(BaseModel):
    status: str
    disposition: str | None = None
    reasons: str | None = None


class ReopenIn(BaseModel):
    reason: str


async def body_text(request: Request) -> tuple[bytes, str | None]:
    data = await request.body()
    ctype = request.headers.get("content-type", "")
    fmt = "json" if "json" in ctype else "yaml" if "yaml" in ctype else None
    return data, fmt


PAGE = 200  # cases on a page of the staff case list


@api.get("/cases", responses=answers(401, 404))
def list_cases(user: ApiUser, db: Db, response: Response,
               limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
               before: str | None = None) -> list[dict[str, Any]]:
    """The cases this user may see, newest first: all of them, or with `limit` a page, and
    the next with `before=` the last case id of this one (also in the `Link: rel="next"`
    header of a full page)."""
    try:
        found = casework.visible_cases(db, user, limit, before)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    if limit is not None and len(found) == limit:
        query = urlencode({"limit": limit, "before": found[-1].case_id})
        response.headers["Link"] = f'</api/v1/cases?{query}>; rel="next"'
    return [{"case_id": c.case_id, "status": c.status, "received_at": c.received_at,
             "category": c.category, "assigned_to": c.assignee.username if c.assignee
             else None, "acknowledge_due": c.acknowledge_due.isoformat(),
             "feedback_due": c.feedback_due.isoformat()}
            for c in found]


@api.post("/cases", status_code=201, responses=answers(401, 403, 409, 422),
          openapi_extra={"requestBody": {"content": {
    "application/yaml": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}}}, "required": True}})
async def create_case(request: Request, user: ApiUser, db: Db) -> dict[str, str]:
    data, fmt = await body_text(request)
    try:
        casework.require(user, "case.create")
        case = parse_case(data, source="request body", fmt=fmt)
        rec = cases.store_case(db, case, assigned_to=user if user.role == "investigator"
                               else None)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    audit.record(db, user.username, "case.create", rec.case_id, via="api")
    return {"case_id": rec.case_id}


@api.get("/cases/{case_id}", responses=answers(401, 404))
def get_case(case_id: str, user: ApiUser, db: Db) -> dict[str, Any]:
    return cases.case_dict(api_case(db, user, case_id))


@api.get("/cases/{case_id}/links", responses=answers(401, 404))
def get_links(case_id: str, user: ApiUser, db: Db) -> list[dict[str, Any]]:
    """Other cases this one links to, strongest first, each with its reasons; only cases
    this user may see are linked, named or counted."""
    rec = api_case(db, user, case_id)
    return [link.to_dict() for link in caselinks.linked_cases(db, user, rec)]


@api.post("/cases/{case_id}/status", responses=answers(400, 401, 403, 404, 422))
def post_status(case_id: str, body: StatusIn, user: ApiUser, db: Db) -> dict[str, str]:
    rec = api_case(db, user, case_id, "case.status")
    try:
        casework.change_status(db, user, rec, body.status, body.disposition, body.reasons)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return {"status": rec.status}


@api.post("/cases/{case_id}/reopen", responses=answers(400, 401, 403, 404, 422))
def post_reopen(case_id: str, body: ReopenIn, user: ApiUser, db: Db) -> dict[str, str]:
    """Reopen a closed case (supervisor), with the reason; audited."""
    rec = api_case(db, user, case_id, "case.close")
    try:
        casework.reopen(db, user, rec, body.reason)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return {"status": rec.status}


@pages.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, sess: Sess, db: Db, before: str | None = None) -> Response:
    # roles that see no cases land where their work is, not on an empty case list
    if not allowed(sess.user.role, "case.view"):
        for action, where in (("identity.decide", "/identity-requests"),
                              ("user.manage", "/users")):
            if allowed(sess.user.role, action):
                return RedirectResponse(where, status_code=303)
    try:
        found = casework.visible_cases(db, sess.user, PAGE + 1, before)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    audit.record(db, sess.user.username, "case.list")
    return page(request, "staff/cases.html", sess, cases=found[:PAGE], today=date.today(),
                older=found[PAGE - 1].case_id if len(found) > PAGE else None,
                paged=before is not None)


@pages.get("/intake", response_class=HTMLResponse, include_in_schema=False)
def intake_form(request: Request, sess: Sess) -> HTMLResponse:
    if not allowed(sess.user.role, "case.create"):
        raise HTTPException(403, N_("your role does not take reports"))
    return page(request, "staff/intake.html", sess, error="", new=None)


@pages.post("/intake", response_class=HTMLResponse, include_in_schema=False)
def intake_post(request: Request, service: Svc, sess: Sess, db: Db, csrf_token: Csrf = "",
                text: Annotated[str, Form()] = "", channel: Annotated[str, Form()] = "hotline",
                category: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "",
                name: Annotated[str, Form()] = "", contact: Annotated[str, Form()] = ""
                ) -> HTMLResponse:
    check_csrf(sess, csrf_token)
    if not allowed(sess.user.role, "case.create"):
        raise HTTPException(403, N_("your role does not take reports"))
    if channel not in ("hotline", "walk-in", "letter", "email", "other"):
        channel = "other"
    try:
        new = reports.submit(service, db, text=text, channel=channel,
                             category=category or None, language=language or None,
                             identity={"name": name, "contact": contact},
                             operator=sess.user)
    except reports.ReportError as exc:
        return page(request, "staff/intake.html", sess, status_code=422, error=str(exc),
                    new=None)
    # the receipt is shown once: no link reloads this page into another language
    return page(request, "staff/intake.html", sess, error="", new=new, here=None)


@pages.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(case_id: str, request: Request, service: Svc, sess: Sess, db: Db,
              error: str = "") -> HTMLResponse:
    rec = page_case(db, sess, case_id)
    evidence_files = {e.id: e.attachments for e in rec.evidence}
    staff = db.scalars(select(User).where(User.role.in_(("investigator", "supervisor")),
                                          User.active)).all()
    return page(
        request, "staff/case.html", sess, case=rec, error=error, today=date.today(),
        retention=retention.kept(db, rec),
        files=evidence_files, staff=staff,
        next_statuses=[s for s in service.policies.workflow.statuses.get(rec.status, [])
                       if s != service.policies.workflow.closing
                       or allowed(sess.user.role, "case.close")],
        dispositions=service.policies.workflow.dispositions,
        closing=service.policies.workflow.closing,
        evidence_kinds=service.policies.workflow.evidence_kinds,
        import_formats=FORMATS, bank_profiles=sorted(bank_csv.builtin()["profiles"]),
        imports=evidence_import.past_imports(db, rec),
        import_limit=service.settings.max_import_bytes,
        tasks=db.scalars(select(Task).where(Task.case_pk == rec.id).order_by(Task.id)).all(),
        notes=db.scalars(select(Note).where(Note.case_pk == rec.id).order_by(Note.id)).all(),
        messages=db.scalars(select(Message).where(Message.case_pk == rec.id)
                            .order_by(Message.id)).all(),
        identity_requests=db.scalars(select(IdentityRequest).where(
            IdentityRequest.case_pk == rec.id).order_by(IdentityRequest.id)).all(),
        approved=casework.approved_request(db, sess.user, rec),
        reporter_files=uploads.for_case(db, rec.id),
        originals_approved=casework.approved_request(db, sess.user, rec, "originals"),
        links=caselinks.linked_cases(db, sess.user, rec),
    )


@pages.post("/cases/{case_id}/status", include_in_schema=False)
def status_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                status: Annotated[str, Form()] = "",
                disposition: Annotated[str, Form()] = "",
                reasons: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "case.status", lambda rec: casework.change_status(
        db, sess.user, rec, status, disposition or None, reasons or None))


@pages.post("/cases/{case_id}/reopen", include_in_schema=False)
def reopen_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                reason: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "case.close",
               lambda rec: casework.reopen(db, sess.user, rec, reason))


@pages.post("/cases/{case_id}/hold", include_in_schema=False)
def hold_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
              reason: Annotated[str, Form()] = "") -> Response:
    """Place a legal hold with its reason; an empty reason lifts it."""
    return act(db, sess, case_id, csrf_token, "case.hold",
               lambda rec: casework.set_hold(db, sess.user, rec, reason))


@pages.post("/cases/{case_id}/assign", include_in_schema=False)
def assign_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                username: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "case.assign",
               lambda rec: casework.assign(db, sess.user, rec, username or None))
