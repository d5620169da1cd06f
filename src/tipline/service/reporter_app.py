"""The reporter app: submit a report, get a receipt, follow up. No staff route is mounted here.

Route table (HTML forms work without JavaScript; the API mirrors them):

    GET  /                              report form
    POST /report                        submit (form) -> receipt page, shown once
    GET  /followup                      receipt form
    POST /followup                      receipt (form) -> status and messages
    POST /followup/message              receipt + text (form) -> status and messages
    POST /api/v1/reports                submit (JSON) -> 201 {report_id, receipt}
    GET  /api/v1/followup               X-Receipt -> {report_id, status, messages}
    POST /api/v1/followup/messages      X-Receipt, {text} -> 201
"""


import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tipline.case.model import CHANNELS, LANGUAGES
from tipline.service import audit, i18n, reports
from tipline.service.models import Report
from tipline.service.runtime import Service
from tipline.service.web import STATIC_DIR, Guard, client_ip, render

NOT_JSON = {"description": "a body that is not JSON (garbage bytes, wrong encoding)"}


class ReportIn(BaseModel):
    # The enums document what reports.submit accepts; it stays the one place that checks.
    text: str = Field(min_length=1, max_length=50_000)
    channel: str = Field(default="web", json_schema_extra={"enum": list(CHANNELS)})
    category: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, json_schema_extra={"enum": list(LANGUAGES)})
    identity: dict[str, str] | None = Field(
        default=None, description="Optional: name and contact, stored encrypted.")


class ReportOut(BaseModel):
    report_id: str
    receipt: str


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=50_000)


class FollowupOut(BaseModel):
    report_id: str
    status: str
    messages: list[dict[str, Any]]


def create_reporter_app(service: Service) -> FastAPI:
    app = FastAPI(title="Tipline reporter app", version="1", docs_url=None, redoc_url=None)
    app.add_middleware(Guard, max_bytes=512 * 1024)  # 50,000 chars, even \u-escaped
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def db_session() -> Any:
        with service.database.session() as db:
            yield db

    # scope="function": commit before the answer is sent, so a redirect never outruns its write
    Db = Annotated[Session, Depends(db_session, scope="function")]

    def page(request: Request, name: str, status_code: int = 200, **context: Any
             ) -> HTMLResponse:
        """A page in the reporter's language; an explicit ?lang= is remembered for a year."""
        lang = i18n.choose(request)
        resp = render(request, name, status_code=status_code, lang=lang,
                      _=i18n.gettext(lang), **context)
        if request.query_params.get("lang") in i18n.LANGS:
            resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=service.settings.secure_cookies)
        return resp

    def said(request: Request, exc: reports.ReportError) -> str:
        """A refused text, said in the reporter's language."""
        _ = i18n.words(request)
        if exc.limit:
            return _("That is too long: at most {n} characters.", n=exc.limit)
        return _("Please write what happened.")

    def flood_check(request: Request) -> None:
        ip = client_ip(request)
        if service.submissions.blocked(ip):
            wait = service.submissions.retry_after(ip)
            raise HTTPException(429, "too many reports from here; please try again later",
                                headers={"Retry-After": str(wait)})
        service.submissions.hit(ip)

    def lookup(request: Request, db: Session, receipt: str) -> Report:
        """A wrong receipt costs the guesser a delay and counts against client and global caps."""
        ip = client_ip(request)
        if service.receipt_failures.blocked(ip):
            wait = service.receipt_failures.retry_after(ip)
            raise HTTPException(429, "too many wrong receipts; please try again later",
                                headers={"Retry-After": str(wait)})
        report = reports.find_by_receipt(service, db, receipt)
        if report is None:
            service.receipt_failures.hit(ip)
            time.sleep(service.settings.receipt_delay_s)
            raise HTTPException(401, "unknown receipt")
        audit.record(db, "reporter", "report.read", report.case.case_id)  # no address kept
        return report

    def followup_page(request: Request, db: Session, report: Report, receipt: str,
                      error: str = "") -> HTMLResponse:
        status, disposition = reports.stage_for_reporter(report.case)
        return page(request, "reporter/followup.html", report=report, receipt=receipt,
                    status=status, disposition=disposition,
                    messages=reports.messages(db, report.case_pk), error=error)

    api = APIRouter(prefix="/api/v1")

    @api.post("/reports", status_code=201, response_model=ReportOut, responses={
        400: NOT_JSON, 422: {"description": "an empty, too long or malformed report"},
        429: {"description": "too many reports from this address; see Retry-After"}})
    def submit_api(body: ReportIn, request: Request, db: Db) -> ReportOut:
        flood_check(request)
        try:
            new = reports.submit(service, db, text=body.text, channel=body.channel,
                                 category=body.category, language=body.language,
                                 identity=body.identity)
        except reports.ReportError as exc:
            raise HTTPException(422, str(exc)) from None
        return ReportOut(report_id=new.report_id, receipt=new.receipt)

    @api.get("/followup", response_model=FollowupOut, responses={
        401: {"description": "unknown receipt (answered after a delay)"},
        429: {"description": "too many wrong receipts from here; see Retry-After"}})
    def followup_api(request: Request, db: Db,
                     x_receipt: Annotated[str, Header()] = "") -> FollowupOut:
        report = lookup(request, db, x_receipt)
        return FollowupOut(report_id=report.report_id,
                           status=reports.status_for_reporter(report.case),
                           messages=reports.messages(db, report.case_pk))

    @api.post("/followup/messages", status_code=201, responses={
        400: NOT_JSON, 401: {"description": "unknown receipt (answered after a delay)"},
        422: {"description": "an empty or too long message"},
        429: {"description": "too many wrong receipts from here; see Retry-After"}})
    def message_api(body: MessageIn, request: Request, db: Db,
                    x_receipt: Annotated[str, Header()] = "") -> dict[str, str]:
        report = lookup(request, db, x_receipt)
        try:
            reports.reporter_message(db, report, body.text, service.settings.max_report_chars)
        except reports.ReportError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"status": "received"}

    app.include_router(api)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return page(request, "reporter/home.html", error="")

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    def submit_form(request: Request, db: Db, text: Annotated[str, Form()] = "",
                    category: Annotated[str, Form()] = "",
                    name: Annotated[str, Form()] = "",
                    contact: Annotated[str, Form()] = "") -> Response:
        try:
            flood_check(request)
        except HTTPException as exc:  # a form gets a page, not JSON
            _ = i18n.words(request)
            return page(request, "reporter/home.html", status_code=exc.status_code,
                        error=_("Too many reports from here; please try again later."))
        try:
            new = reports.submit(service, db, text=text, channel="web",
                                 category=category or None,
                                 identity={"name": name, "contact": contact})
        except reports.ReportError as exc:
            return page(request, "reporter/home.html", status_code=422,
                        error=said(request, exc))
        return page(request, "reporter/receipt.html", new=new)

    def receipt_refused(request: Request, exc: HTTPException) -> HTMLResponse:
        _ = i18n.words(request)
        return page(request, "reporter/login.html", status_code=exc.status_code,
                    error=_("That receipt is not known.") if exc.status_code == 401
                    else _("Too many attempts; please wait a few minutes."))

    @app.get("/followup", response_class=HTMLResponse, include_in_schema=False)
    def followup_form(request: Request) -> HTMLResponse:
        return page(request, "reporter/login.html", error="")

    @app.post("/followup", response_class=HTMLResponse, include_in_schema=False)
    def followup_form_post(request: Request, db: Db,
                           receipt: Annotated[str, Form()] = "") -> HTMLResponse:
        try:
            report = lookup(request, db, receipt)
        except HTTPException as exc:
            return receipt_refused(request, exc)
        return followup_page(request, db, report, receipt)

    @app.post("/followup/message", response_class=HTMLResponse, include_in_schema=False)
    def message_form(request: Request, db: Db, receipt: Annotated[str, Form()] = "",
                     text: Annotated[str, Form()] = "") -> HTMLResponse:
        try:
            report = lookup(request, db, receipt)
        except HTTPException as exc:
            return receipt_refused(request, exc)
        try:
            reports.reporter_message(db, report, text, service.settings.max_report_chars)
        except reports.ReportError as exc:
            return followup_page(request, db, report, receipt, error=said(request, exc))
        return followup_page(request, db, report, receipt)

    return app
