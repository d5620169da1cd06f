"""How a staff page is shown: in the user's language, with the server's messages translated,
error pages instead of JSON, a case form's action run or refused, a file as a download."""

import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from tipline.case.model import CHANNELS
from tipline.case.model import ROLES as PERSON_ROLES
from tipline.errors import CaseFileError
from tipline.imports import FORMATS
from tipline.report.common import KIND_SHORT
from tipline.service import i18n
from tipline.service.accounts.permissions import ROLES, allowed
from tipline.service.casefiles import casework
from tipline.service.i18n import N_
from tipline.service.intake import reports
from tipline.service.models import StaffSession
from tipline.service.policy import policies
from tipline.service.staff.answers import http_error, page_case
from tipline.service.staff.deps import LoginRequired, check_csrf, service_of
from tipline.service.web import render

# The messages a staff page can show that the server makes with values in them (casework's,
# reports' and the staff routes' refusals), as English patterns the catalogue translates with
# the values kept; longer patterns before the shorter ones they contain.
MESSAGES = (
    N_("{role} may not {action} on {case}"),
    N_("{role} may not {action}"),
    N_("no case {case}"),
    N_("a {status} case cannot move to {new}"),
    N_("closing needs a disposition: one of {choices}"),
    N_("closing needs the reasons for the disposition"),
    N_("case {case} is closed: a supervisor must reopen it before {what} can be added"),
    N_("a {status} case is not closed"),
    N_("say why the case is reopened (at least 10 characters)"),
    N_("say why the case must be kept (at least 10 characters)"),
    N_("{username} is not an investigator or supervisor"),
    N_("a task needs a title"),
    N_("no such task"),
    N_("a note must not be empty"),
    N_("a message must not be empty"),
    N_("say why you need {what} (at least 10 characters)"),
    N_("the reporter of this case gave no identity"),
    N_("the reporter of this case sent no files"),
    N_("no such request"),
    N_("request {id} is already {status}"),
    N_("a decision needs a reason"),
    N_("no approved identity request for you on this case"),
    N_("no identity stored"),
    N_("no approved request for the original files on this case"),
    N_("no such file"),
    N_("no such user"),
    N_("you cannot deactivate yourself"),
    N_("text: the report must not be empty"),
    N_("text: longer than {n} characters"),
    N_("{field}: contains a character that cannot be stored (NUL or a lone surrogate)"),
    N_("{value} is not a date (YYYY-MM-DD)"),
    N_("attachment over the {n}-byte limit"),
    N_("value involved must be a number"),
    N_("Not Found"),
    N_("Method Not Allowed"),
)


def shown_terms() -> dict[str, list[str]]:
    """Every domain value a staff page shows, by `i18n.terms` group: the catalogue needs
    `"group:code"` for each (tests/service/test_i18n.py)."""
    wf, le = policies().workflow, policies().leniency
    return {
        "status": list(wf.statuses), "disposition": list(wf.dispositions),
        "evidence": list(wf.evidence_kinds), "kind": list(KIND_SHORT), "role": list(ROLES),
        "person": list(PERSON_ROLES), "channel": list(CHANNELS),
        "subject": list(casework.SUBJECTS), "request": ["pending", "approved", "denied"],
        "author": ["reporter", "staff"], "level": list(le.levels), "ground": list(le.grounds),
        "significance": ["low", "medium", "high"], "scope": ["all", "assigned"],
        "identity": ["name", "contact"], "format": list(FORMATS),
        "language": ["en", "zh", "mixed"],
        # the {what} of casework's refusals (MESSAGES)
        "what": ["statements", "evidence records", "tasks", "the reporter's identity",
                 "the original files"],
    }


async def error_page(request: Request, exc: StarletteHTTPException) -> Response:
    """The API answers JSON; a page answers a page (403, 404 and the like), not raw JSON."""
    if request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)
    titles = {403: N_("Not allowed"), 404: N_("Not found"), 405: N_("Not here")}
    _ = i18n.words(request)
    return show(request, "staff/error.html", status_code=exc.status_code, user=None,
                csrf="", can=allowed, status=exc.status_code,
                detail=i18n.said(i18n.choose(request), str(exc.detail), MESSAGES),
                title=_(titles.get(exc.status_code, N_("Cannot do that"))),
                headers=dict(exc.headers or {}))


def to_login(request: Request, exc: LoginRequired) -> Response:
    return remember_language(request, RedirectResponse(
        f"/login?next={quote(request.url.path)}", status_code=303))


def remember_language(request: Request, resp: Response) -> Response:
    """An explicit ?lang= is remembered for a year (the reporter app's cookie and rule)."""
    if (lang := request.query_params.get("lang")) in i18n.LANGS:
        resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True,
                        samesite="lax", secure=service_of(request).settings.secure_cookies)
    return resp


def here_of(request: Request) -> str:
    """Where the language links lead: this page with its query, or for a page that
    answered a form, the page the form was on."""
    path = quote(request.url.path)
    if request.method in ("GET", "HEAD"):
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return path + (f"?{urlencode(query)}" if query else "")
    on_case = re.fullmatch(r"(/cases/[^/]+)/.+", path)
    if on_case:
        return on_case[1]
    return path if path in ("/login", "/intake") else "/"


def show(request: Request, name: str, status_code: int = 200,
         headers: dict[str, str] | None = None, here: str | None = "",
         **context: Any) -> HTMLResponse:
    """A staff page in the user's language (`i18n.choose`: ?lang=, then the cookie, then
    Accept-Language), with links to its other languages that keep the user on the page;
    `here=None` offers none (a page shown once, such as a receipt)."""
    lang = i18n.choose(request)
    where = here_of(request) if here == "" else here
    languages = [] if where is None else [
        (code, label, f"{where}{'&' if '?' in where else '?'}lang={code}")
        for code, label in (("en", "English"), ("zh", "中文")) if code != lang]
    resp = render(request, name, status_code=status_code, headers=headers, lang=lang,
                  _=i18n.gettext(lang), term=i18n.terms(lang),
                  said=lambda message: i18n.said(lang, message, MESSAGES),
                  languages=languages, **context)
    remember_language(request, resp)
    return resp


def page(request: Request, name: str, sess: StaffSession | None, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    return show(request, name, status_code=status_code, user=sess.user if sess else None,
                csrf=sess.csrf_token if sess else "", can=allowed, **context)


def back(case_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(case_id)}{anchor}", status_code=303)


def act(db: Session, sess: StaffSession, case_id: str, csrf_token: str, action: str,
        fn: Any, anchor: str = "") -> Response:
    """Run one case action from a form; a refused or invalid one comes back as a message."""
    check_csrf(sess, csrf_token)
    rec = page_case(db, sess, case_id, action)
    try:
        with db.begin_nested():  # a refused action leaves nothing half-done
            fn(rec)
    except (casework.Invalid, CaseFileError, reports.ReportError) as exc:
        return RedirectResponse(f"/cases/{quote(case_id)}?error={quote(str(exc))}",
                                status_code=303)
    except (casework.Forbidden, casework.NotFound) as exc:
        raise http_error(exc) from None
    return back(case_id, anchor)


def upload_name(sent: str | None) -> str:
    """The file's own name: browsers send `"`, CR and LF in a multipart filename as %22, %0D
    and %0A (WHATWG), which stored as sent would be encoded twice on download."""
    name = (sent or "file").replace("%22", '"').replace("%0D", " ").replace("%0A", " ")
    return name[:255]


def download(filename: str, data: bytes) -> Response:
    """A file to save, never to show: octet-stream, Content-Disposition attachment."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                    for c in filename)
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{plain}\"; "
                               f"filename*=UTF-8''{quote(filename, safe='')}"})
