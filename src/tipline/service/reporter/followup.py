"""Follow-up by receipt: the case's status and messages, and the reporter's answers (text
and/or files), by form or API. A wrong receipt is answered after a delay and throttled.

    GET  /followup                      receipt form, or the case while a follow-up session lasts
    POST /followup                      receipt (form) -> status and messages, and a session
    POST /followup/message              text and/or files (form; the session, or a receipt)
    POST /followup/close                end the follow-up session
    GET  /api/v1/followup               X-Receipt -> {report_id, status, messages}
    POST /api/v1/followup/messages      X-Receipt, {text} -> 201

After one receipt check the browser holds a follow-up session: a signed cookie naming the
report and its expiry (HttpOnly, SameSite=Strict, path /followup), so the follow-up pages do
not check the receipt again and the receipt is not written into the pages.
"""

import hashlib
import hmac
import secrets
import time
from typing import Annotated, Any, cast

import anyio
from fastapi import APIRouter, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tipline.service import audit, i18n
from tipline.service.intake import reports, uploads
from tipline.service.models import Report
from tipline.service.reporter.intake import NOT_JSON
from tipline.service.reporter.pages import Posted, files_said, page, said, upload_said
from tipline.service.runtime import Service
from tipline.service.web import CommitRoute, client_ip
from tipline.service.webdeps import Db, Svc, service_of

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=50_000)


class FollowupOut(BaseModel):
    report_id: str
    status: str
    messages: list[dict[str, Any]]


SESSION = "tipline_followup"
SESSION_S = 30 * 60  # a follow-up session lasts half an hour from the last page


class ReceiptRefused(Exception):
    """A receipt turned away. Raised out of the route, so the request's transaction has ended
    (nothing was written) before `refused` waits out the guesser's delay and answers."""

    def __init__(self, status_code: int, delay_s: float = 0.0, retry_after: int | None = None,
                 form: bool = False) -> None:
        self.status_code, self.delay_s = status_code, delay_s
        self.retry_after, self.form = retry_after, form


async def penalty(seconds: float) -> None:
    """The wrong-receipt delay: asleep on the event loop, holding no thread and no lock."""
    await anyio.sleep(seconds)


def session_key(service: Service) -> bytes:
    """The key follow-up sessions are signed with: derived from the identity key (so they
    survive a restart and are shared by every process), or a random one when the service has
    none. `create_reporter_app` keeps it on the app."""
    return hashlib.sha256(b"tipline reporter sessions:" + (
        service.throttle_secret or secrets.token_bytes(32))).digest()


def signed(request: Request, body: str) -> str:
    key = cast(bytes, request.app.state.session_key)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def session_report(request: Request, db: Session) -> Report | None:
    """The report this browser's follow-up session opens, while it lasts."""
    report_pk, expires, sig = (request.cookies.get(SESSION, "").split(".") + ["", ""])[:3]
    if not (report_pk.isdigit() and expires.isdigit() and int(expires) > time.time()
            and hmac.compare_digest(sig, signed(request, f"{report_pk}.{expires}"))):
        return None
    return db.get(Report, int(report_pk))


def lookup(request: Request, service: Service, db: Session, receipt: str, form: bool = False
           ) -> Report:
    """The report a receipt opens. Only this address's own wrong guesses can refuse a
    receipt before it is checked; the global cap on wrong guesses refuses wrong ones only,
    so a correct receipt always opens, however many others guess. A wrong one is answered
    after a delay, outside any transaction (see `refused`).

    Opening by receipt is the access the audit trail records; the pages of the session it
    starts are the same access and write nothing, so reading them never queues behind the
    audit chain's head (every page view was a write transaction on it)."""
    ip = client_ip(request)
    if service.receipt_failures.client_blocked(ip):
        raise ReceiptRefused(429, retry_after=service.receipt_failures.retry_after(ip),
                             form=form)
    opened = reports.find_by_receipt(service, receipt)
    if opened is None:
        service.receipt_failures.hit(ip)
        delay = service.settings.receipt_delay_s
        if service.receipt_failures.overall_blocked():
            raise ReceiptRefused(429, delay, service.receipt_failures.retry_after(ip), form)
        raise ReceiptRefused(401, delay, form=form)
    report = db.get_one(Report, opened.report_pk)
    opened.apply_upgrade(report)  # an argon2 receipt hash becomes a keyed one
    audit.record(db, "reporter", "report.read", report.case.case_id)  # no address kept
    return report


async def refused(request: Request, exc: ReceiptRefused) -> Response:
    if exc.delay_s:
        await penalty(exc.delay_s)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    if exc.form:  # a form gets a page, not JSON
        _ = i18n.words(request)
        resp = page(request, "reporter/login.html", status_code=exc.status_code,
                    error=_("That receipt is not known.") if exc.status_code == 401
                    else _("Too many attempts; please wait a few minutes."))
        resp.headers.update(headers)
        return resp
    detail = "unknown receipt" if exc.status_code == 401 else \
        "too many wrong receipts; please try again later"
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def followup_page(request: Request, db: Session, report: Report, error: str = "",
                  status_code: int = 200, sent: bool = False, text: str = ""
                  ) -> HTMLResponse:
    """Status, when to expect an answer, the messages and a copy of the report as sent;
    the follow-up session is (re)started for another half hour."""
    service = service_of(request)
    status, disposition = reports.stage_for_reporter(report.case)
    first = report.case.statements[0].text if report.case.statements else ""
    resp = page(request, "reporter/followup.html", status_code=status_code, report=report,
                status=status, disposition=disposition,
                files=files_said(request, uploads.for_case(db, report.case_pk)),
                closed=status == service.policies.workflow.closing, original=first,
                messages=reports.messages(db, report.case_pk), error=error, sent=sent,
                text=text)
    body = f"{report.id}.{int(time.time()) + SESSION_S}"
    resp.set_cookie(SESSION, f"{body}.{signed(request, body)}", max_age=SESSION_S,
                    path="/followup", httponly=True, samesite="strict",
                    secure=service.settings.secure_cookies)
    return resp


def opened(request: Request, service: Service, db: Session, receipt: str) -> Report:
    """A form's report: by its receipt when one is typed, else by the session."""
    if receipt.strip():
        return lookup(request, service, db, receipt, form=True)
    report = session_report(request, db)
    if report is None:  # no guess was made: nothing to count or delay
        raise ReceiptRefused(401, form=True)
    return report  # read already audited when the receipt opened the session


@api.get("/followup", response_model=FollowupOut, responses={
    401: {"description": "unknown receipt (answered after a delay)"},
    429: {"description": "too many wrong receipts from here; see Retry-After"}})
def followup_api(request: Request, service: Svc, db: Db,
                 x_receipt: Annotated[str, Header()] = "") -> FollowupOut:
    report = lookup(request, service, db, x_receipt)
    return FollowupOut(report_id=report.report_id,
                       status=reports.status_for_reporter(report.case),
                       messages=reports.messages(db, report.case_pk))


@api.post("/followup/messages", status_code=201, responses={
    400: NOT_JSON, 401: {"description": "unknown receipt (answered after a delay)"},
    409: {"description": "the case is closed and takes no more messages"},
    422: {"description": "an empty or too long message"},
    429: {"description": "too many wrong receipts from here; see Retry-After"}})
def message_api(body: MessageIn, request: Request, service: Svc, db: Db,
                x_receipt: Annotated[str, Header()] = "") -> dict[str, str]:
    report = lookup(request, service, db, x_receipt)
    try:
        reports.reporter_message(db, report, body.text, service.settings.max_report_chars)
    except reports.ReportError as exc:
        raise HTTPException(409 if exc.code == "closed" else 422, str(exc)) from None
    return {"status": "received"}


@pages.get("/followup", response_class=HTMLResponse, include_in_schema=False)
def followup_form(request: Request, db: Db) -> HTMLResponse:
    report = session_report(request, db)
    if report is None:
        return page(request, "reporter/login.html", error="")
    return followup_page(request, db, report)  # a read-only request: see `lookup`


@pages.post("/followup", response_class=HTMLResponse, include_in_schema=False)
def followup_form_post(request: Request, service: Svc, db: Db,
                       receipt: Annotated[str, Form()] = "") -> HTMLResponse:
    return followup_page(request, db, opened(request, service, db, receipt))


@pages.post("/followup/message", response_class=HTMLResponse, include_in_schema=False)
def message_form(request: Request, service: Svc, db: Db, posted: Posted) -> HTMLResponse:
    settings = service.settings
    report = opened(request, service, db, posted.fields.get("receipt", ""))
    text = posted.fields.get("text", "")
    try:
        if posted.refused:
            raise posted.refused
        files = uploads.check_all(posted.files)
        if text.strip() or not files:  # files alone need no words
            reports.reporter_message(db, report, text, settings.max_report_chars)
        elif report.case.status == service.policies.workflow.closing:
            raise reports.ReportError("case: closed", code="closed")
        uploads.store(db, service.files, report.case, files,
                      settings.max_report_upload_bytes)
    except uploads.UploadRefused as exc:
        db.rollback()
        code, error = upload_said(request, exc)
        return followup_page(request, db, report, error=error, status_code=code, text=text)
    except reports.ReportError as exc:
        return followup_page(request, db, report, error=said(request, exc),
                             status_code=409 if exc.code == "closed" else 422, text=text)
    return followup_page(request, db, report, sent=True)


@pages.post("/followup/close", include_in_schema=False)
def close_session() -> Response:
    resp = RedirectResponse("/followup", status_code=303)
    resp.delete_cookie(SESSION, path="/followup")
    return resp
