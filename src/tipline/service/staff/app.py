"""The staff app: investigators, supervisors, custodians and admins. Pages and API, one router
per area; each module's docstring lists its routes.

    accounts.py   POST/DELETE /api/v1/auth/token; /login, /logout; /users (admin)
    cases.py      /api/v1/cases[/{case_id}[/links|/status|/reopen]]; /, /intake,
                  /cases/{case_id} and its status, reopen, hold and assign forms
    casework.py   statements, evidence and imports (API and forms), tasks, notes, messages,
                  /attachments/{id}
    analysis.py   /api/v1/cases/{case_id}/analysis; the findings and outcome pages
    identity.py   the reporter's identity and original files: request, decide, view
    audit.py      /audit (admin)

API routes take a bearer token; pages a session cookie, and every POST form carries the
session's CSRF token. What they share: deps.py (the service, the request's database session,
who is asking, CSRF), pages.py (a page in the user's language, error pages, form actions),
answers.py (domain errors to HTTP, the API's documented answers, a case opened or refused).
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tipline.service import i18n
from tipline.service.accounts.permissions import allowed
from tipline.service.casefiles import evidence_import
from tipline.service.i18n import N_
from tipline.service.runtime import Service
from tipline.service.staff import accounts, analysis, audit, cases, casework, identity
from tipline.service.staff.casework import IMPORT_PATHS
from tipline.service.staff.deps import LoginRequired, service_of
from tipline.service.staff.pages import error_page, show, to_login
from tipline.service.web import STATIC_DIR, CommitRoute, EarlyRefusal, Guard


def too_large_page(request: Request) -> Response:
    """A form post too large to read: a page naming the limit (the API answers JSON)."""
    settings = service_of(request).settings
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


def create_staff_app(service: Service) -> FastAPI:
    settings = service.settings
    app = FastAPI(title="Tipline staff app", version="1", docs_url=None, redoc_url=None)
    app.state.service = service  # what the routes' dependencies read (deps.service_of)
    app.router.route_class = CommitRoute  # see web.CommitRoute: no transaction held across a wait
    app.add_middleware(EarlyRefusal, rules=EarlyRefusal.staff(service))  # inside Guard
    app.add_middleware(Guard, max_bytes=max(settings.max_case_bytes,
                                            settings.max_attachment_bytes) + 64 * 1024,
                       multipart_max_bytes=settings.max_import_bytes
                       + evidence_import.MAX_PROFILES_BYTES + 64 * 1024,
                       multipart_paths=IMPORT_PATHS, form_page=too_large_page)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.exception_handler(StarletteHTTPException)(error_page)
    app.exception_handler(LoginRequired)(to_login)
    # No two routes answer the same request (tests/service/test_routes.py), so the order of
    # the areas changes nothing; the routes of one path keep their order (GET before POST).
    app.include_router(accounts.api)
    app.include_router(cases.api)
    app.include_router(casework.api)
    app.include_router(analysis.api)
    app.include_router(accounts.pages)
    app.include_router(cases.pages)
    app.include_router(casework.pages)
    app.include_router(analysis.pages)
    app.include_router(identity.pages)
    app.include_router(audit.pages)
    return app
