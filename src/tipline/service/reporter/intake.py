"""A new report: the form (text, optional name and contact, files) and the API; the receipt
is shown once. A flood of reports from one address, or to the whole hotline, is asked to wait.

    GET  /                              report form
    POST /report                        submit (form, files optional) -> receipt page, shown once
    POST /api/v1/reports                submit (JSON) -> 201 {report_id, receipt}
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from tipline.case.model import CHANNELS, LANGUAGES
from tipline.service import i18n
from tipline.service.casefiles import cases
from tipline.service.intake import reports, uploads
from tipline.service.reporter.pages import Posted, files_said, page, said, upload_said
from tipline.service.runtime import Service
from tipline.service.web import CommitRoute, client_ip
from tipline.service.webdeps import Db, Svc

NOT_JSON = {"description": "a body that is not JSON (garbage bytes, wrong encoding)"}

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)


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


def flood_check(service: Service, request: Request) -> tuple[str, int] | None:
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


@api.post("/reports", status_code=201, response_model=ReportOut, responses={
    400: NOT_JSON, 422: {"description": "an empty, too long or malformed report"},
    429: {"description": "too many reports from this address; see Retry-After"}})
def submit_api(body: ReportIn, request: Request, service: Svc, db: Db) -> ReportOut:
    wait = flood_check(service, request)
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


@pages.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    return page(request, "reporter/home.html", error="", form={})


@pages.post("/report", response_class=HTMLResponse, include_in_schema=False)
def submit_form(request: Request, service: Svc, db: Db, posted: Posted) -> Response:
    form = {k: posted.fields.get(k, "") for k in ("text", "category", "name", "contact")}
    text, category, name, contact = form.values()
    if posted.refused:  # a file over a limit was dropped as it came: nothing is stored
        code, error = upload_said(request, posted.refused)
        return page(request, "reporter/home.html", status_code=code, error=error,
                    form=form)
    wait = flood_check(service, request)
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
                               service.settings.max_report_upload_bytes)
    except uploads.UploadRefused as exc:
        db.rollback()
        code, error = upload_said(request, exc)
        return page(request, "reporter/home.html", status_code=code, error=error,
                    form=form)
    except reports.ReportError as exc:
        return page(request, "reporter/home.html", status_code=422,
                    error=said(request, exc), form=form)
    return page(request, "reporter/receipt.html", new=new, files=files_said(request, stored))
