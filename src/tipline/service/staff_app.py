"""The staff app: investigators, supervisors, custodians and admins. Pages and API.

Route table:

    API (bearer token)
    POST /api/v1/auth/token                       username, password, totp -> bearer token
    DELETE /api/v1/auth/token                     revoke the token presented -> 204
    GET  /api/v1/cases                            cases this user may see
    POST /api/v1/cases                            case file (YAML or JSON) -> 201 {case_id}
    GET  /api/v1/cases/{case_id}                  the case, case-file shape
    POST /api/v1/cases/{case_id}/statements       one statement -> 201
    POST /api/v1/cases/{case_id}/evidence         one evidence record -> 201
    POST /api/v1/cases/{case_id}/imports          multipart: format, file, options -> 201, the
                                                  file's records added (all or none)
    GET  /api/v1/cases/{case_id}/analysis         analysis contract, case as stored now
    GET  /api/v1/cases/{case_id}/links            linked cases this user may see, with reasons
    POST /api/v1/cases/{case_id}/status           {status, disposition?, reasons?}
    POST /api/v1/cases/{case_id}/reopen           {reason}: supervisor reopens a closed case

    Pages (session cookie; every POST form carries the session's CSRF token)
    GET/POST /login, POST /logout
    GET  /                                        case list with EU deadlines
    GET/POST /intake                              operator intake: phone / walk-in report
    GET  /cases/{case_id}                         case page
    POST /cases/{case_id}/{status|reopen|assign|statements|evidence|tasks|notes|messages}
    POST /cases/{case_id}/imports                 a file's records as evidence (multipart)
    POST /cases/{case_id}/tasks/{task_id}/done
    GET  /cases/{case_id}/findings                findings side by side, timeline, graph
    GET/POST /cases/{case_id}/outcome             disposition, reward, leniency, summary
    POST /cases/{case_id}/identity/request        request the reporter's identity, with reason
    GET  /cases/{case_id}/identity                view it once approved (audited)
    GET  /identity-requests, POST /identity-requests/{id}/decide      custodian
    GET  /attachments/{id}                        download (as an attachment, never inline)
    POST /cases/{case_id}/originals/request       request the reporter's files as sent, with reason
    GET  /cases/{case_id}/uploads/{id}/original   download one once approved (audited, SHA-256)
    GET  /audit                                   admin: recent entries and chain check
    GET  /users, POST /users/{id}/active          admin: accounts, deactivate / reactivate
"""

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as FormFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from tipline.case import parse_case
from tipline.case.model import CHANNELS
from tipline.case.model import ROLES as PERSON_ROLES
from tipline.errors import CaseFileError
from tipline.imports import ALIASES, FORMATS, bank_csv
from tipline.report.common import KIND_SHORT
from tipline.service import (
    audit,
    auth,
    caselinks,
    cases,
    casework,
    evidence_import,
    findings_view,
    graphs,
    i18n,
    jobs,
    outcome,
    reports,
    retention,
    uploads,
)
from tipline.service.i18n import N_
from tipline.service.models import (
    Attachment,
    AuditEntry,
    CaseRecord,
    EvidenceRecord,
    IdentityRequest,
    Message,
    Note,
    ReporterIdentity,
    StaffSession,
    Task,
    User,
)
from tipline.service.permissions import ROLES, allowed, table
from tipline.service.policy import policies
from tipline.service.runtime import Service
from tipline.service.web import STATIC_DIR, CommitRoute, EarlyRefusal, Guard, client_ip, render

COOKIE = "tipline_session"
LOGIN_CSRF = "tipline_login_csrf"

T = TypeVar("T")

# The messages a staff page can show that the server makes with values in them (casework's,
# reports' and this module's refusals), as English patterns the catalogue translates with the
# values kept; longer patterns before the shorter ones they contain.
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


class TokenIn(BaseModel):
    username: str
    password: str
    totp: str | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class StatusIn(BaseModel):
    status: str
    disposition: str | None = None
    reasons: str | None = None


class ReopenIn(BaseModel):
    reason: str


class LoginRequired(Exception):
    pass


def _errors(exc: Exception) -> HTTPException:
    """Domain errors to HTTP: forbidden 403, unknown 404, bad input 422, duplicate 409."""
    if isinstance(exc, casework.Forbidden):
        return HTTPException(403, str(exc))
    if isinstance(exc, casework.NotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, cases.CaseExists):
        return HTTPException(409, str(exc))
    return HTTPException(422, str(exc))


DOMAIN_ERRORS = (casework.Forbidden, casework.NotFound, casework.Invalid, CaseFileError,
                 reports.ReportError)

# What the API answers besides success, for its OpenAPI document.
_ANSWERS = {
    400: "a body that cannot be parsed at all (garbage bytes, wrong encoding)",
    401: "no bearer token, or an expired or revoked one",
    403: "this user's role may not do this",
    404: "no such case, or one this user may not see",
    409: "a case with this id exists already",
    413: "a request over the size limit (for an import, the file over TIPLINE_MAX_IMPORT_BYTES)",
    422: "a malformed case file, statement, record or request, with the problem named",
    503: "the analyzer failed on this case; the case itself is stored",
}


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


# The import form's and API's fields (multipart), by the names of `tipline import`'s options.
IMPORT_FIELDS = ("format", "id_prefix", "date_order", "currency", "profile", "ocr_lang")
IMPORT_PATHS = re.compile(r"(/api/v1)?/cases/[^/]+/imports")
IMPORT_ERRORS = (evidence_import.ImportRefused, casework.Invalid, CaseFileError)


def import_request(form: FormData) -> tuple[evidence_import.ImportRequest, FormFile,
                                            FormFile | None]:
    """The import's options, its file and an optional saved-profiles file from a form."""
    values = {k: v for k in IMPORT_FIELDS if isinstance(v := form.get(k), str)}
    upload, profiles = form.get("file"), form.get("profiles")
    if not isinstance(upload, FormFile) or not upload.filename:
        raise evidence_import.ImportRefused(N_("choose a file to import (form field 'file')"))
    if not values.get("format"):
        raise evidence_import.ImportRefused(N_("choose the file's format (form field 'format')"))
    req = evidence_import.ImportRequest(fmt=values.pop("format"), **values)
    return req, upload, profiles if isinstance(profiles, FormFile) and profiles.filename \
        else None


def import_status(exc: Exception) -> int:
    return 413 if isinstance(exc, evidence_import.ImportTooLarge) else 422


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": _ANSWERS[code]} for code in codes}


def create_staff_app(service: Service) -> FastAPI:
    settings = service.settings
    app = FastAPI(title="Tipline staff app", version="1", docs_url=None, redoc_url=None)
    app.router.route_class = CommitRoute  # see web.CommitRoute: no transaction held across a wait
    app.add_middleware(EarlyRefusal, rules=EarlyRefusal.staff(service))  # inside Guard
    app.add_middleware(Guard, max_bytes=max(settings.max_case_bytes,
                                            settings.max_attachment_bytes) + 64 * 1024,
                       multipart_max_bytes=settings.max_import_bytes
                       + evidence_import.MAX_PROFILES_BYTES + 64 * 1024,
                       multipart_paths=IMPORT_PATHS,
                       form_page=lambda request: too_large_page(request))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    bearer = HTTPBearer(auto_error=False)
    bank_profiles = sorted(bank_csv.builtin()["profiles"])

    def db_session() -> Iterator[Session]:
        with service.database.session() as db:
            yield db

    # scope="function": commit before the answer is sent, so a redirect never outruns its write
    Db = Annotated[Session, Depends(db_session, scope="function")]

    # The two checks below run in a thread of their own, and the route in another after it:
    # in between, the request waits for a free thread. So they read in a short read-only
    # session and hand the row to the request's session without a query (`attach`). Were
    # they to open the request's transaction, it would hold SQLite's write lock (a pooled
    # connection on PostgreSQL) through that wait, while the requests queued for that lock
    # held every thread: all of them stalled until the 30 s busy timeout, then answered 500.

    def attach(db: Session, row: T) -> T:
        """A row read elsewhere, in the request's session; no SQL, no transaction begun."""
        return db.merge(row, load=False)

    def api_user(db: Db, cred: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(bearer)]) -> User:
        user = None
        if cred:
            with service.database.read() as peek:
                user = auth.user_for_token(peek, cred.credentials)
                if user is not None:
                    peek.expunge(user)
        if user is None:
            raise HTTPException(401, "a valid bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        return attach(db, user)

    def page_session(request: Request, db: Db) -> StaffSession:
        with service.database.read() as peek:
            sess = auth.session_for_cookie(peek, request.cookies.get(COOKIE))
            if sess is not None:
                peek.expunge(sess.user)
                peek.expunge(sess)
        if sess is None:
            raise LoginRequired
        return attach(db, sess)

    ApiUser = Annotated[User, Depends(api_user)]
    Sess = Annotated[StaffSession, Depends(page_session)]
    Csrf = Annotated[str, Form()]

    def check_csrf(sess: StaffSession, token: str) -> None:
        if not auth.csrf_ok(sess.csrf_token, token):
            raise HTTPException(403, N_("missing or wrong CSRF token"))

    @app.exception_handler(StarletteHTTPException)
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

    @app.exception_handler(LoginRequired)
    def to_login(request: Request, exc: LoginRequired) -> Response:
        return remember_language(request, RedirectResponse(
            f"/login?next={quote(request.url.path)}", status_code=303))

    def remember_language(request: Request, resp: Response) -> Response:
        """An explicit ?lang= is remembered for a year (the reporter app's cookie and rule)."""
        if (lang := request.query_params.get("lang")) in i18n.LANGS:
            resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True,
                            samesite="lax", secure=settings.secure_cookies)
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

    def too_large_page(request: Request) -> Response:
        """A form post too large to read: a page naming the limit (the API answers JSON)."""
        imports = IMPORT_PATHS.fullmatch(request.url.path) is not None
        limit = settings.max_import_bytes if imports else max(settings.max_case_bytes,
                                                               settings.max_attachment_bytes)
        if request.url.path.startswith("/api/"):
            detail = (f"The file is over the {limit:,}-byte import limit "
                      "(TIPLINE_MAX_IMPORT_BYTES)" if imports
                      else f"The request is over the {limit:,}-byte limit")
            return JSONResponse({"detail": detail}, status_code=413)
        _ = i18n.words(request)
        said = _(N_("The file is over the {n}-byte import limit (TIPLINE_MAX_IMPORT_BYTES); nothing was stored."), n=f"{limit:,}") if imports else _(  # noqa: E501
            N_("The request is over the {n}-byte limit; nothing was stored."), n=f"{limit:,}")
        return show(request, "staff/error.html", status_code=413, user=None, csrf="",
                    can=allowed, status=413, title=_("Too large"), detail=said)

    async def import_upload(request: Request, db: Session, user: User, rec: CaseRecord,
                            csrf: str | None = None) -> evidence_import.Imported:
        """Read the multipart form (after the caller checked who may add to this case, so a
        stranger's upload is refused before it is read) and import its file into the case in
        a savepoint: on any problem nothing is stored."""
        async with request.form(max_files=2, max_fields=20) as form:
            if csrf is not None:
                token = form.get("csrf_token")
                if not auth.csrf_ok(csrf, token if isinstance(token, str) else ""):
                    raise HTTPException(403, N_("missing or wrong CSRF token"))
            req, upload, profiles = import_request(form)

            def work() -> evidence_import.Imported:
                with db.begin_nested():
                    return evidence_import.run_import(
                        db, user, rec, req, upload.file, upload.filename,
                        settings.max_import_bytes, profiles.file if profiles else None)
            return await run_in_threadpool(work)

    # --- API ---------------------------------------------------------------------------------

    api = APIRouter(prefix="/api/v1", route_class=CommitRoute)

    def login(db: Session, request: Request, username: str, password: str,
              totp: str | None) -> User | Response:
        """The user, or the 401/429 answer. A failure is answered, not raised, so its audit
        entry commits with the request instead of being rolled back.

        Only this address's own failures refuse a login before it is checked. The per-account
        and overall windows, which strangers elsewhere can fill, refuse wrong attempts only: a
        right password with a right one-time code always gets in (an account without a second
        factor stays behind them, as its password alone would be the prize)."""
        ip, account = client_ip(request), username.strip().casefold()[:80]
        if service.login_failures.client_blocked(ip):
            return too_many(service.login_failures.retry_after(ip))
        user = auth.authenticate(service.database, db, service.hasher, service.vault,
                                 username, password, totp)
        strong = user is not None and user.totp_secret is not None
        crowded = service.account_failures.blocked(account) or \
            service.login_failures.overall_blocked()
        if user is None:
            service.login_failures.hit(ip)
            service.account_failures.hit(account)
        if not strong and crowded:
            # refused by a window, like a client over its own limit: counted, not audited,
            # so a flood does not queue every request behind the audit chain's one head row
            return too_many(max(service.account_failures.retry_after(account),
                                service.login_failures.overall.retry_after("*")))
        if user is None:
            audit.record(db, username[:80] or "?", "login.failed", ip=ip)
            return JSONResponse({"detail": "wrong user name, password or one-time code"},
                                status_code=401)
        audit.record(db, user.username, "login", ip=ip)
        return user

    def too_many(wait: int) -> Response:
        return JSONResponse({"detail": "too many failed logins; try again later"},
                            status_code=429, headers={"Retry-After": str(wait)})

    @api.post("/auth/token", response_model=TokenOut, responses={
        **answers(400), 401: {"description": "wrong user name, password or one-time code"},
        429: {"description": "too many failed logins from here or for this user name; "
                             "see Retry-After"}})
    def token(body: TokenIn, request: Request, db: Db) -> TokenOut | Response:
        user = login(db, request, body.username, body.password, body.totp)
        if not isinstance(user, User):
            return user
        return TokenOut(access_token=auth.issue_token(db, user, settings.token_hours))

    @api.delete("/auth/token", status_code=204, responses=answers(401))
    def revoke(user: ApiUser, db: Db,
               cred: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        """Log an API client out: the token stops working at once (before it expires)."""
        assert cred is not None  # api_user has checked it
        auth.revoke_token(db, cred.credentials)
        audit.record(db, user.username, "token.revoked")

    @api.get("/cases", responses=answers(401))
    def list_cases(user: ApiUser, db: Db) -> list[dict[str, Any]]:
        return [{"case_id": c.case_id, "status": c.status, "received_at": c.received_at,
                 "category": c.category, "assigned_to": c.assignee.username if c.assignee
                 else None, "acknowledge_due": c.acknowledge_due.isoformat(),
                 "feedback_due": c.feedback_due.isoformat()}
                for c in casework.visible_cases(db, user)]

    async def body_text(request: Request) -> tuple[bytes, str | None]:
        data = await request.body()
        ctype = request.headers.get("content-type", "")
        fmt = "json" if "json" in ctype else "yaml" if "yaml" in ctype else None
        return data, fmt

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
            raise _errors(exc) from None
        audit.record(db, user.username, "case.create", rec.case_id, via="api")
        return {"case_id": rec.case_id}

    def api_case(db: Session, user: User, case_id: str, action: str = "case.view"
                 ) -> CaseRecord:
        try:
            return casework.open_case(db, user, case_id, action)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None

    @api.get("/cases/{case_id}", responses=answers(401, 404))
    def get_case(case_id: str, user: ApiUser, db: Db) -> dict[str, Any]:
        return cases.case_dict(api_case(db, user, case_id))

    def one_item(data: bytes, fmt: str | None, what: str) -> dict[str, Any]:
        import json

        import yaml
        try:
            obj = json.loads(data) if fmt == "json" or data.lstrip()[:1] == b"{" else \
                yaml.safe_load(data)
        except (ValueError, yaml.YAMLError) as exc:
            raise HTTPException(422, f"{what}: malformed body: {exc}") from None
        if not isinstance(obj, dict):
            raise HTTPException(422, f"{what}: must be a mapping")
        return obj

    item_body = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}},
                                             "application/yaml": {"schema": {"type": "string"}}},
                                 "required": True}}

    async def add_item(case_id: str, request: Request, user: User, db: Session, what: str,
                       add: Callable[[Session, User, CaseRecord, dict[str, Any]], str]
                       ) -> dict[str, str]:
        """One statement or evidence record from the request body -> {"id": its ref}."""
        data, fmt = await body_text(request)
        rec = api_case(db, user, case_id, "case.edit")
        try:
            ref = add(db, user, rec, one_item(data, fmt, what))
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return {"id": ref}

    @api.post("/cases/{case_id}/statements", status_code=201, openapi_extra=item_body,
              responses=answers(401, 403, 404, 422))
    async def post_statement(case_id: str, request: Request, user: ApiUser, db: Db
                             ) -> dict[str, str]:
        return await add_item(case_id, request, user, db, "statement", casework.add_statement)

    @api.post("/cases/{case_id}/evidence", status_code=201, openapi_extra=item_body,
              responses=answers(401, 403, 404, 422))
    async def post_evidence(case_id: str, request: Request, user: ApiUser, db: Db
                            ) -> dict[str, str]:
        return await add_item(case_id, request, user, db, "evidence", casework.add_evidence)

    import_body = {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["format", "file"], "properties": {
            "format": {"type": "string", "enum": [*FORMATS, *ALIASES]},
            "file": {"type": "string", "format": "binary"},
            "id_prefix": {"type": "string", "description": "ids are PREFIX1, PREFIX2 …; "
                          "default the format's (wa-, bank- …), numbered on when taken"},
            "date_order": {"type": "string", "enum": ["dmy", "mdy", "ymd"]},
            "currency": {"type": "string", "description": "where the file names none"},
            "profile": {"type": "string", "description": "bank-csv: a saved profile"},
            "profiles": {"type": "string", "format": "binary",
                         "description": "bank-csv: a YAML file of saved profiles"},
            "ocr_lang": {"type": "string", "description": "image: default eng+chi_sim"}}}}}}}

    @api.post("/cases/{case_id}/imports", status_code=201, openapi_extra=import_body,
              responses=answers(401, 403, 404, 413, 422))
    async def post_import(case_id: str, request: Request, user: ApiUser, db: Db
                          ) -> dict[str, Any]:
        """A file's evidence records (`tipline import`'s formats and options) added to the
        case, all or none; the answer names the ids added, the file's SHA-256 and any notes
        (an ambiguous date order, skipped rows)."""
        rec = api_case(db, user, case_id, "case.edit")
        try:
            done = await import_upload(request, db, user, rec)
        except IMPORT_ERRORS as exc:
            raise HTTPException(import_status(exc), str(exc)) from None
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return done.to_dict(rec.case_id)

    @api.get("/cases/{case_id}/analysis", responses=answers(401, 404, 503))
    def get_analysis(case_id: str, user: ApiUser, db: Db) -> dict[str, Any]:
        return analysis_of(db, api_case(db, user, case_id))

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
            raise _errors(exc) from None
        return {"status": rec.status}

    @api.post("/cases/{case_id}/reopen", responses=answers(400, 401, 403, 404, 422))
    def post_reopen(case_id: str, body: ReopenIn, user: ApiUser, db: Db) -> dict[str, str]:
        """Reopen a closed case (supervisor), with the reason; audited."""
        rec = api_case(db, user, case_id, "case.close")
        try:
            casework.reopen(db, user, rec, body.reason)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return {"status": rec.status}

    app.include_router(api)

    def analysis_of(db: Session, rec: CaseRecord) -> dict[str, Any]:
        try:
            return jobs.current_analysis(db, rec, service.analyzer)
        except jobs.AnalysisFailed as exc:
            raise HTTPException(503, str(exc)) from None

    def page_analysis(db: Session, rec: CaseRecord) -> tuple[dict[str, Any], str]:
        """Pages still show the case when the analyzer fails; the failure is named."""
        try:
            return jobs.current_analysis(db, rec, service.analyzer), ""
        except jobs.AnalysisFailed as exc:
            return {"case": rec.case_id, "findings": [], "timeline": []}, str(exc)

    # --- pages -------------------------------------------------------------------------------

    def page(request: Request, name: str, sess: StaffSession | None, status_code: int = 200,
             **context: Any) -> HTMLResponse:
        return show(request, name, status_code=status_code, user=sess.user if sess else None,
                    csrf=sess.csrf_token if sess else "", can=allowed, **context)

    def back(case_id: str, anchor: str = "") -> RedirectResponse:
        return RedirectResponse(f"/cases/{quote(case_id)}{anchor}", status_code=303)

    def page_case(db: Session, sess: StaffSession, case_id: str, action: str = "case.view"
                  ) -> CaseRecord:
        try:
            return casework.open_case(db, sess.user, case_id, action)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        import secrets
        token = secrets.token_urlsafe(24)
        resp = show(request, "staff/login.html", user=None, csrf=token, error="", next=next,
                    username="")
        resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict",
                        secure=settings.secure_cookies)
        return resp

    @app.post("/login", include_in_schema=False)
    def login_post(request: Request, db: Db, csrf_token: Csrf = "",
                   username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                   totp: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
                   ) -> Response:
        if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF, ""), csrf_token):
            raise HTTPException(403, N_("missing or wrong CSRF token; reload the login page"))
        user = login(db, request, username, password, totp)
        if not isinstance(user, User):
            _ = i18n.words(request)
            error = (_("Wrong user name, password or one-time code.") if user.status_code == 401
                     else _("Too many failed logins; try again later."))
            return show(request, "staff/login.html", status_code=user.status_code, user=None,
                        csrf=csrf_token, error=error, next=next, username=username[:80])
        local = next.startswith("/") and not next.startswith(("//", "/\\"))
        target = next if local else "/"  # never an open redirect to another site
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, auth.start_session(db, user, settings.session_hours),
                        httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=int(settings.session_hours * 3600))
        resp.delete_cookie(LOGIN_CSRF)
        return resp

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, sess: Sess, db: Db, csrf_token: Csrf = "") -> Response:
        check_csrf(sess, csrf_token)
        audit.record(db, sess.user.username, "logout")
        auth.end_session(db, request.cookies.get(COOKIE))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, sess: Sess, db: Db) -> Response:
        # roles that see no cases land where their work is, not on an empty case list
        if not allowed(sess.user.role, "case.view"):
            for action, where in (("identity.decide", "/identity-requests"),
                                  ("user.manage", "/users")):
                if allowed(sess.user.role, action):
                    return RedirectResponse(where, status_code=303)
        audit.record(db, sess.user.username, "case.list")
        return page(request, "staff/cases.html", sess, cases=casework.visible_cases(
            db, sess.user), today=date.today())

    @app.get("/intake", response_class=HTMLResponse, include_in_schema=False)
    def intake_form(request: Request, sess: Sess) -> HTMLResponse:
        if not allowed(sess.user.role, "case.create"):
            raise HTTPException(403, N_("your role does not take reports"))
        return page(request, "staff/intake.html", sess, error="", new=None)

    @app.post("/intake", response_class=HTMLResponse, include_in_schema=False)
    def intake_post(request: Request, sess: Sess, db: Db, csrf_token: Csrf = "",
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

    @app.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_page(case_id: str, request: Request, sess: Sess, db: Db,
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
            import_formats=FORMATS, bank_profiles=bank_profiles,
            imports=evidence_import.past_imports(db, rec),
            import_limit=settings.max_import_bytes,
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
            raise _errors(exc) from None
        return back(case_id, anchor)

    @app.post("/cases/{case_id}/status", include_in_schema=False)
    def status_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                    status: Annotated[str, Form()] = "",
                    disposition: Annotated[str, Form()] = "",
                    reasons: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "case.status", lambda rec: casework.change_status(
            db, sess.user, rec, status, disposition or None, reasons or None))

    @app.post("/cases/{case_id}/reopen", include_in_schema=False)
    def reopen_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                    reason: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "case.close",
                   lambda rec: casework.reopen(db, sess.user, rec, reason))

    @app.post("/cases/{case_id}/hold", include_in_schema=False)
    def hold_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                  reason: Annotated[str, Form()] = "") -> Response:
        """Place a legal hold with its reason; an empty reason lifts it."""
        return act(db, sess, case_id, csrf_token, "case.hold",
                   lambda rec: casework.set_hold(db, sess.user, rec, reason))

    @app.post("/cases/{case_id}/assign", include_in_schema=False)
    def assign_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                    username: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "case.assign",
                   lambda rec: casework.assign(db, sess.user, rec, username or None))

    @app.post("/cases/{case_id}/statements", include_in_schema=False)
    def statement_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                       by: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
                       question: Annotated[str, Form()] = "",
                       setting: Annotated[str, Form()] = "",
                       new_person: Annotated[str, Form()] = "",
                       new_role: Annotated[str, Form()] = "witness") -> Response:
        """A statement, or an interview answer when a question is given."""
        def run(rec: CaseRecord) -> None:
            speaker = by
            if new_person.strip():
                speaker = cases.add_person(db, rec, new_person.strip(), new_role)
            item = {"by": speaker, "text": text, "setting": setting or None,
                    "question": question or None}
            casework.add_statement(db, sess.user, rec, {k: v for k, v in item.items() if v})
        return act(db, sess, case_id, csrf_token, "case.edit", run, "#statements")

    @app.post("/cases/{case_id}/evidence", include_in_schema=False)
    async def evidence_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                            kind: Annotated[str, Form()] = "other",
                            text: Annotated[str, Form()] = "", at: Annotated[str, Form()] = "",
                            file: Annotated[UploadFile | None, File()] = None) -> Response:
        blob: bytes | None = None
        if file is not None and file.filename:
            limit = settings.max_attachment_bytes
            blob = await file.read(limit + 1)  # the body is already bounded by Guard
            if len(blob) > limit:
                raise HTTPException(413, f"attachment over the {limit}-byte limit")

        def run(rec: CaseRecord) -> None:
            item: dict[str, Any] = {"kind": kind, "text": text or (file.filename if file and
                                                                   file.filename else "")}
            if at:
                item["at"] = at
            ref = casework.add_evidence(db, sess.user, rec, item)
            if blob is not None and file is not None:
                ev = db.scalar(select(EvidenceRecord).where(EvidenceRecord.case_pk == rec.id,
                                                            EvidenceRecord.ref == ref))
                assert ev is not None
                db.add(Attachment(evidence_pk=ev.id, filename=upload_name(file.filename),
                                  content_type=(file.content_type or "application/octet-stream"
                                                )[:120], size=len(blob),
                                  sha256=hashlib.sha256(blob).hexdigest(), data=blob))
                audit.record(db, sess.user.username, "attachment.add", rec.case_id, ref=ref,
                             sha256=hashlib.sha256(blob).hexdigest(), size=len(blob))
        return act(db, sess, case_id, csrf_token, "case.edit", run, "#evidence")

    @app.post("/cases/{case_id}/imports", include_in_schema=False)
    async def import_form(case_id: str, request: Request, sess: Sess, db: Db) -> Response:
        """The case page's import form; a file that cannot be imported gets a page naming
        the problem, and nothing is stored."""
        rec = page_case(db, sess, case_id, "case.edit")
        try:
            await import_upload(request, db, sess.user, rec, csrf=sess.csrf_token)
        except IMPORT_ERRORS as exc:
            return page(request, "staff/import_error.html", sess, status_code=import_status(exc),
                        case=rec, problem=str(exc))
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return back(case_id, "#imports")

    @app.post("/cases/{case_id}/tasks", include_in_schema=False)
    def task_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                  title: Annotated[str, Form()] = "", due: Annotated[str, Form()] = ""
                  ) -> Response:
        def run(rec: CaseRecord) -> None:
            try:
                day = date.fromisoformat(due) if due else None
            except ValueError:
                raise casework.Invalid(f"{due!r} is not a date (YYYY-MM-DD)") from None
            casework.add_task(db, sess.user, rec, title, day)
        return act(db, sess, case_id, csrf_token, "case.edit", run, "#tasks")

    @app.post("/cases/{case_id}/tasks/{task_id}/done", include_in_schema=False)
    def task_done(case_id: str, task_id: int, sess: Sess, db: Db, csrf_token: Csrf = ""
                  ) -> Response:
        return act(db, sess, case_id, csrf_token, "case.edit",
                   lambda rec: casework.finish_task(db, sess.user, rec, task_id), "#tasks")

    @app.post("/cases/{case_id}/notes", include_in_schema=False)
    def note_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                  text: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "case.edit",
                   lambda rec: casework.add_note(db, sess.user, rec, text), "#notes")

    @app.post("/cases/{case_id}/messages", include_in_schema=False)
    def message_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                     text: Annotated[str, Form()] = "",
                     feedback: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "message.reply",
                   lambda rec: casework.reply(db, sess.user, rec, text, bool(feedback)),
                   "#messages")

    @app.post("/cases/{case_id}/identity/request", include_in_schema=False)
    def identity_request(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                         reason: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "identity.request",
                   lambda rec: casework.request_identity(db, sess.user, rec, reason),
                   "#identity")

    @app.post("/cases/{case_id}/originals/request", include_in_schema=False)
    def originals_request(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                          reason: Annotated[str, Form()] = "") -> Response:
        return act(db, sess, case_id, csrf_token, "identity.request",
                   lambda rec: casework.request_identity(db, sess.user, rec, reason,
                                                         subject="originals"),
                   "#reporter-files")

    @app.get("/cases/{case_id}/uploads/{upload_id}/original", include_in_schema=False)
    def original_file(case_id: str, upload_id: int, sess: Sess, db: Db) -> Response:
        rec = page_case(db, sess, case_id, "identity.request")
        try:
            name, data = casework.view_original(db, sess.user, rec, upload_id, service.files)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return download(name, data)

    @app.get("/cases/{case_id}/identity", response_class=HTMLResponse, include_in_schema=False)
    def identity_view(case_id: str, request: Request, sess: Sess, db: Db) -> HTMLResponse:
        rec = page_case(db, sess, case_id, "identity.request")
        try:
            who = casework.view_identity(db, sess.user, rec, service.identity)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return page(request, "staff/identity.html", sess, case=rec, who=who)

    @app.get("/cases/{case_id}/findings", response_class=HTMLResponse, include_in_schema=False)
    def findings_page(case_id: str, request: Request, sess: Sess, db: Db) -> HTMLResponse:
        rec = page_case(db, sess, case_id)
        analysis, failure = page_analysis(db, rec)
        case = cases.case_dict(rec)
        items = {s["id"]: s for s in case["statements"]} | {e["id"]: e for e in case["evidence"]}
        term = i18n.terms(i18n.choose(request))
        names = {p["id"]: f'{p["id"]} {p.get("name", "")} '
                          f'({term("person", p.get("role", "other"))})'
                 for p in case["people"]}

        def quote(f: dict[str, Any], ref: str) -> dict[str, Any]:
            item = items.get(ref, {"text": ""})
            spans = [(s["start"], s["end"]) for s in f.get("spans", []) if s["ref"] == ref]
            who = names.get(item.get("by", ""), item.get("by")) or item.get("kind", "")
            return {"ref": ref, "who": who, "question": item.get("question"),
                    "segments": graphs.highlighted(item.get("text", ""), spans)}

        shown = findings_view.entries(analysis.get("findings", []), items, quote)
        return page(request, "staff/findings.html", sess, case=rec, findings=shown,
                    timeline=graphs.timeline_svg(analysis),
                    graph=graphs.people_graph_svg(case, analysis),
                    failure=failure)

    @app.get("/cases/{case_id}/outcome", response_class=HTMLResponse, include_in_schema=False)
    def outcome_page(case_id: str, request: Request, sess: Sess, db: Db) -> HTMLResponse:
        rec = page_case(db, sess, case_id)
        analysis, failure = page_analysis(db, rec)
        facts = outcome.facts_for(rec, analysis)
        return page(request, "staff/outcome.html", sess, case=rec, facts=facts,
                    reward=outcome.assess_reward(service.policies.rewards, facts),
                    leniency=outcome.assess_leniency(service.policies.leniency, facts),
                    failure=failure, summary=outcome.summary(rec, analysis,
                                                             reporter_identity(db, rec)),
                    grounds=service.policies.leniency.grounds)

    def reporter_identity(db: Session, rec: CaseRecord) -> dict[str, Any] | None:
        """The reporter's sealed name and contact, opened only so the publishable summary can
        blank them out; never shown, so not an identity view."""
        row = db.scalar(select(ReporterIdentity).where(ReporterIdentity.case_pk == rec.id))
        return service.identity.open(row.ciphertext) if row else None

    @app.post("/cases/{case_id}/outcome", include_in_schema=False)
    def outcome_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                     value_involved: Annotated[str, Form()] = "",
                     significance: Annotated[str, Form()] = "",
                     reporter_implicated: Annotated[str, Form()] = "auto",
                     voluntary_surrender: Annotated[str, Form()] = "",
                     truthful_confession: Annotated[str, Form()] = "",
                     meritorious_information: Annotated[str, Form()] = "") -> Response:
        def run(rec: CaseRecord) -> None:
            facts: dict[str, Any] = {
                "voluntary_surrender": bool(voluntary_surrender),
                "truthful_confession": bool(truthful_confession),
                "meritorious_information": bool(meritorious_information),
            }
            if significance in ("low", "medium", "high"):
                facts["significance"] = significance
            if value_involved.strip():
                try:
                    facts["value_involved"] = float(value_involved.replace(",", ""))
                except ValueError:
                    raise casework.Invalid("value involved must be a number") from None
            if reporter_implicated in ("yes", "no"):
                facts["reporter_implicated"] = reporter_implicated == "yes"
            casework.set_outcome_facts(db, sess.user, rec, facts)
        check_csrf(sess, csrf_token)
        rec = page_case(db, sess, case_id, "outcome.assess")
        try:
            run(rec)
        except casework.Invalid as exc:
            raise _errors(exc) from None
        return RedirectResponse(f"/cases/{quote(case_id)}/outcome", status_code=303)

    @app.get("/attachments/{attachment_id}", include_in_schema=False)
    def attachment(attachment_id: int, sess: Sess, db: Db) -> Response:
        att = db.get(Attachment, attachment_id)
        ev = db.get(EvidenceRecord, att.evidence_pk) if att else None
        rec = db.get(CaseRecord, ev.case_pk) if ev else None
        if att is None or rec is None:
            raise HTTPException(404, N_("no such attachment"))
        page_case(db, sess, rec.case_id)
        audit.record(db, sess.user.username, "attachment.read", rec.case_id, attachment=att.id)
        return download(att.filename, att.data)

    @app.get("/identity-requests", response_class=HTMLResponse, include_in_schema=False)
    def identity_requests(request: Request, sess: Sess, db: Db) -> HTMLResponse:
        try:
            rows = casework.pending_identity_requests(db, sess.user)
        except casework.Forbidden as exc:
            raise _errors(exc) from None
        return page(request, "staff/identity_requests.html", sess, requests=rows)

    @app.post("/identity-requests/{request_id}/decide", include_in_schema=False)
    def identity_decide(request_id: int, sess: Sess, db: Db, csrf_token: Csrf = "",
                        decision: Annotated[str, Form()] = "",
                        reason: Annotated[str, Form()] = "") -> Response:
        check_csrf(sess, csrf_token)
        try:
            casework.decide_identity(db, sess.user, request_id, decision == "approve", reason)
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return RedirectResponse("/identity-requests", status_code=303)

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, sess: Sess, db: Db) -> HTMLResponse:
        if not allowed(sess.user.role, "audit.view"):
            raise HTTPException(403, N_("only admins read the audit log"))
        verdict = audit.verify(db)
        audit.record(db, sess.user.username, "audit.view")
        entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200))
        return page(request, "staff/audit.html", sess, verdict=verdict, entries=list(entries),
                    matrix=table())

    @app.get("/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, sess: Sess, db: Db) -> HTMLResponse:
        try:
            users = casework.list_users(db, sess.user)
        except casework.Forbidden as exc:
            raise _errors(exc) from None
        return page(request, "staff/users.html", sess, users=users)

    @app.post("/users/{user_id}/active", include_in_schema=False)
    def users_active(user_id: int, sess: Sess, db: Db, csrf_token: Csrf = "",
                     active: Annotated[str, Form()] = "") -> Response:
        check_csrf(sess, csrf_token)
        try:
            casework.set_active(db, sess.user, user_id, active == "1")
        except DOMAIN_ERRORS as exc:
            raise _errors(exc) from None
        return RedirectResponse("/users", status_code=303)

    return app
