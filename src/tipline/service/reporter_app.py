"""The reporter app: submit a report, get a receipt, follow up. No staff route is mounted here.

Route table (HTML forms work without JavaScript; the API mirrors them):

    GET  /                              report form
    POST /report                        submit (form, files optional) -> receipt page, shown once
    GET  /followup                      receipt form, or the case while a follow-up session lasts
    POST /followup                      receipt (form) -> status and messages, and a session
    POST /followup/message              text and/or files (form; the session, or a receipt)
    POST /followup/close                end the follow-up session

After one receipt check the browser holds a follow-up session: a signed cookie naming the
report and its expiry (HttpOnly, SameSite=Strict, path /followup), so the follow-up pages do
not check the receipt again and the receipt is not written into the pages.
    POST /api/v1/reports                submit (JSON) -> 201 {report_id, receipt}
    GET  /api/v1/followup               X-Receipt -> {report_id, status, messages}
    POST /api/v1/followup/messages      X-Receipt, {text} -> 201
"""


import hashlib
import hmac
import secrets
import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tipline.case.model import CHANNELS, LANGUAGES
from tipline.service import audit, cases, i18n, reports, uploads
from tipline.service.models import Report
from tipline.service.runtime import Service
from tipline.service.web import (
    STATIC_DIR,
    CommitRoute,
    EarlyRefusal,
    Guard,
    client_ip,
    render,
    terse_validation_errors,
)

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


SESSION = "tipline_followup"
SESSION_S = 30 * 60  # a follow-up session lasts half an hour from the last page

# Where a page reached by a POST lives, for its language links (a link is a GET).
GET_PAGE = {"/report": "/", "/followup": "/followup", "/followup/message": "/followup"}


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


def create_reporter_app(service: Service) -> FastAPI:
    app = FastAPI(title="Tipline reporter app", version="1", docs_url=None, redoc_url=None)
    app.router.route_class = CommitRoute  # see web.CommitRoute: no transaction held across a wait
    settings = service.settings
    # 50,000 characters even when each is an escaped surrogate pair ("\ud83d\ude00", 12 bytes);
    # a form with files may add the files of one report and their multipart framing
    text_bytes = 12 * settings.max_report_chars + 64 * 1024
    app.add_middleware(EarlyRefusal, rules=EarlyRefusal.reporter(service))  # inside Guard
    app.add_middleware(Guard, max_bytes=text_bytes,
                       multipart_max_bytes=text_bytes + settings.max_report_upload_bytes
                       + 1024 * settings.max_upload_files,
                       form_page=lambda request: too_large_page(request))
    limits = uploads.Limits(per_file=settings.max_upload_bytes,
                            per_report=settings.max_report_upload_bytes,
                            files=settings.max_upload_files,
                            field_chars=settings.max_report_chars)

    async def posted(request: Request) -> uploads.ParsedForm:
        """The form's fields and files, read as they stream in (see uploads.FormReader);
        a plain urlencoded form has no files."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            try:
                return await uploads.FormReader(limits).read(ctype, request.stream())
            except uploads.UploadRefused as exc:
                return uploads.ParsedForm(refused=exc)
            except Exception:  # a malformed multipart body (python-multipart's errors)
                raise HTTPException(400, "malformed form") from None
        form = await request.form()
        return uploads.ParsedForm(fields={k: v for k, v in form.items() if isinstance(v, str)})

    Posted = Annotated[uploads.ParsedForm, Depends(posted)]
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    terse_validation_errors(app)

    # sessions are signed with a key derived from the identity key (so they survive a restart
    # and are shared by every process), or a random one when the service has none
    session_key = hashlib.sha256(b"tipline reporter sessions:" + (
        service.throttle_secret or secrets.token_bytes(32))).digest()

    def signed(body: str) -> str:
        return hmac.new(session_key, body.encode(), hashlib.sha256).hexdigest()

    def session_report(request: Request, db: Session) -> Report | None:
        """The report this browser's follow-up session opens, while it lasts."""
        report_pk, expires, sig = (request.cookies.get(SESSION, "").split(".") + ["", ""])[:3]
        if not (report_pk.isdigit() and expires.isdigit() and int(expires) > time.time()
                and hmac.compare_digest(sig, signed(f"{report_pk}.{expires}"))):
            return None
        return db.get(Report, int(report_pk))

    def db_session() -> Any:
        with service.database.session() as db:
            yield db

    # scope="function": commit before the answer is sent, so a redirect never outruns its write
    Db = Annotated[Session, Depends(db_session, scope="function")]

    def page(request: Request, name: str, status_code: int = 200, **context: Any
             ) -> HTMLResponse:
        """A page in the reporter's language; an explicit ?lang= is remembered for a year."""
        lang = i18n.choose(request)
        here = request.url.path if request.method == "GET" else GET_PAGE.get(
            request.url.path, "/")
        resp = render(request, name, status_code=status_code, lang=lang, here=here,
                      _=i18n.gettext(lang), **context)
        if request.query_params.get("lang") in i18n.LANGS:
            resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=service.settings.secure_cookies)
        return resp

    def too_large_page(request: Request) -> HTMLResponse:
        """A form too large to read: its text cannot be shown back, so say how to get it."""
        _ = i18n.words(request)
        return page(request, "reporter/home.html", status_code=413, form={}, error=_(
            "That is too large to receive: at most {n} characters of text and {m} MB of files. Nothing was sent; your browser's Back button returns to your text.",  # noqa: E501
            n=settings.max_report_chars, m=settings.max_report_upload_bytes // 2**20))

    def upload_said(request: Request, exc: uploads.UploadRefused) -> tuple[int, str]:
        """A refused file, said in the reporter's language, and the answer's status."""
        _ = i18n.words(request)
        if exc.code == "type":
            return 415, _("We accept only photos (JPEG, PNG), PDF documents and plain text files; a file you chose is none of these. Nothing was sent: your text is kept below; please choose your files again.")  # noqa: E501
        if exc.code == "count":
            return 413, _("At most {n} files can be sent at once. Nothing was sent: your text is kept below; please choose your files again.", n=settings.max_upload_files)  # noqa: E501
        if exc.code == "file_size":
            return 413, _("A file is larger than {n} MB. Nothing was sent: your text is kept below; please choose smaller files.", n=settings.max_upload_bytes // 2**20)  # noqa: E501
        return 413, _("The files of one report may together be at most {n} MB. Nothing was sent: your text is kept below; please choose fewer or smaller files.", n=settings.max_report_upload_bytes // 2**20)  # noqa: E501

    def files_said(request: Request, rows: list[uploads.ReporterUpload]
                   ) -> list[dict[str, Any]]:
        """Each file the reporter sent, and what was removed from it, in their language."""
        _ = i18n.words(request)
        words = {"GPS position": _("GPS position"), "camera make": _("camera make"),
                 "camera model": _("camera model"), "software": _("software"),
                 "artist": _("artist"), "copyright": _("copyright"),
                 "date and time": _("date and time"),
                 "camera settings and serial numbers (EXIF)": _(
                     "camera settings and serial numbers (EXIF)"),
                 "EXIF data": _("EXIF data"), "XMP metadata": _("XMP metadata"),
                 "comment": _("comment"), "text notes": _("text notes"),
                 "author": _("author"), "creating program": _("creating program"),
                 "producer": _("producer"), "title": _("title"), "subject": _("subject"),
                 "keywords": _("keywords"), "creation date": _("creation date"),
                 "modification date": _("modification date"),
                 "JPEG image": _("JPEG image"), "PNG image": _("PNG image"),
                 "PDF document": _("PDF document"), "plain text": _("plain text")}
        out = []
        for up in rows:
            d = uploads.describe(up)
            out.append({**d, "kind": words.get(d["kind"], d["kind"]),
                        "removed": [words.get(w, w) for w in d["removed"]]})
        return out

    def said(request: Request, exc: reports.ReportError) -> str:
        """A refused text, said in the reporter's language."""
        _ = i18n.words(request)
        if exc.limit:
            return _("That is too long: at most {n} characters.", n=exc.limit)
        if exc.code == "unstorable":
            return _("The text contains a character that cannot be stored; please remove it and send again.")  # noqa: E501
        if exc.code == "closed":
            return _("This case is closed, so messages can no longer be sent on it. To tell us something new, please make a new report.")  # noqa: E501
        return _("Please write what happened.")

    def flood_check(request: Request) -> tuple[str, int] | None:
        """Why a new report must wait ("here": this address sent many; "everyone": the hotline
        as a whole is flooded) and for how many seconds, or None and the submission counts."""
        ip = client_ip(request)
        if service.submissions.client_blocked(ip):
            return "here", service.submissions.client.retry_after(ip)
        if service.submissions.overall_blocked():
            return "everyone", service.submissions.overall.retry_after("*")
        service.submissions.hit(ip)
        return None

    def flood_said(request: Request, why: str, wait_s: int) -> str:
        _ = i18n.words(request)
        minutes = -(-wait_s // 60)
        if why == "here":
            return _("Several reports were sent from your connection in a short time; please try again in {n} minutes. Nothing was sent: your report is kept below.", n=minutes)  # noqa: E501
        return _("The hotline is receiving an unusually large number of reports; please try again in {n} minutes. Nothing was sent: your report is kept below.", n=minutes)  # noqa: E501

    def lookup(request: Request, db: Session, receipt: str, form: bool = False) -> Report:
        """The report a receipt opens. Only this address's own wrong guesses can refuse a
        receipt before it is checked; the global cap on wrong guesses refuses wrong ones only,
        so a correct receipt always opens, however many others guess. A wrong one is answered
        after a delay, outside any transaction (see `refused`)."""
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

    @app.exception_handler(ReceiptRefused)
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
        status, disposition = reports.stage_for_reporter(report.case)
        first = report.case.statements[0].text if report.case.statements else ""
        resp = page(request, "reporter/followup.html", status_code=status_code, report=report,
                    status=status, disposition=disposition,
                    files=files_said(request, uploads.for_case(db, report.case_pk)),
                    closed=status == service.policies.workflow.closing, original=first,
                    messages=reports.messages(db, report.case_pk), error=error, sent=sent,
                    text=text)
        body = f"{report.id}.{int(time.time()) + SESSION_S}"
        resp.set_cookie(SESSION, f"{body}.{signed(body)}", max_age=SESSION_S, path="/followup",
                        httponly=True, samesite="strict", secure=service.settings.secure_cookies)
        return resp

    def opened(request: Request, db: Session, receipt: str) -> Report:
        """A form's report: by its receipt when one is typed, else by the session."""
        if receipt.strip():
            return lookup(request, db, receipt, form=True)
        report = session_report(request, db)
        if report is None:  # no guess was made: nothing to count or delay
            raise ReceiptRefused(401, form=True)
        audit.record(db, "reporter", "report.read", report.case.case_id)
        return report

    api = APIRouter(prefix="/api/v1", route_class=CommitRoute)

    @api.post("/reports", status_code=201, response_model=ReportOut, responses={
        400: NOT_JSON, 422: {"description": "an empty, too long or malformed report"},
        429: {"description": "too many reports from this address; see Retry-After"}})
    def submit_api(body: ReportIn, request: Request, db: Db) -> ReportOut:
        wait = flood_check(request)
        if wait:
            why, seconds = wait
            raise HTTPException(429, "too many reports from this address; nothing was stored"
                                if why == "here" else "the hotline is receiving too many "
                                "reports just now; nothing was stored",
                                headers={"Retry-After": str(seconds)})
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
        409: {"description": "the case is closed and takes no more messages"},
        422: {"description": "an empty or too long message"},
        429: {"description": "too many wrong receipts from here; see Retry-After"}})
    def message_api(body: MessageIn, request: Request, db: Db,
                    x_receipt: Annotated[str, Header()] = "") -> dict[str, str]:
        report = lookup(request, db, x_receipt)
        try:
            reports.reporter_message(db, report, body.text, service.settings.max_report_chars)
        except reports.ReportError as exc:
            raise HTTPException(409 if exc.code == "closed" else 422, str(exc)) from None
        return {"status": "received"}

    app.include_router(api)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return page(request, "reporter/home.html", error="", form={})

    @app.post("/report", response_class=HTMLResponse, include_in_schema=False)
    def submit_form(request: Request, db: Db, posted: Posted) -> Response:
        form = {k: posted.fields.get(k, "") for k in ("text", "category", "name", "contact")}
        text, category, name, contact = form.values()
        if posted.refused:  # a file over a limit was dropped as it came: nothing is stored
            code, error = upload_said(request, posted.refused)
            return page(request, "reporter/home.html", status_code=code, error=error,
                        form=form)
        wait = flood_check(request)
        if wait:  # the reporter's words are shown back, never thrown away
            resp = page(request, "reporter/home.html", status_code=429,
                        error=flood_said(request, *wait), form=form)
            resp.headers["Retry-After"] = str(wait[1])
            return resp
        try:
            files = uploads.check_all(posted.files)  # before anything is stored
            new = reports.submit(service, db, text=text, channel="web",
                                 category=category or None,
                                 identity={"name": name, "contact": contact})
            rec = cases.find(db, new.case_id)
            assert rec is not None
            stored = uploads.store(db, service.files, rec, files,
                                   settings.max_report_upload_bytes)
        except uploads.UploadRefused as exc:
            db.rollback()
            code, error = upload_said(request, exc)
            return page(request, "reporter/home.html", status_code=code, error=error,
                        form=form)
        except reports.ReportError as exc:
            return page(request, "reporter/home.html", status_code=422,
                        error=said(request, exc), form=form)
        return page(request, "reporter/receipt.html", new=new, files=files_said(request, stored))

    @app.get("/followup", response_class=HTMLResponse, include_in_schema=False)
    def followup_form(request: Request, db: Db) -> HTMLResponse:
        report = session_report(request, db)
        if report is None:
            return page(request, "reporter/login.html", error="")
        audit.record(db, "reporter", "report.read", report.case.case_id)
        return followup_page(request, db, report)

    @app.post("/followup", response_class=HTMLResponse, include_in_schema=False)
    def followup_form_post(request: Request, db: Db,
                           receipt: Annotated[str, Form()] = "") -> HTMLResponse:
        return followup_page(request, db, opened(request, db, receipt))

    @app.post("/followup/message", response_class=HTMLResponse, include_in_schema=False)
    def message_form(request: Request, db: Db, posted: Posted) -> HTMLResponse:
        report = opened(request, db, posted.fields.get("receipt", ""))
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

    @app.post("/followup/close", include_in_schema=False)
    def close_session() -> Response:
        resp = RedirectResponse("/followup", status_code=303)
        resp.delete_cookie(SESSION, path="/followup")
        return resp

    return app
