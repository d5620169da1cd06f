"""The reporter app: submit a report, get a receipt, follow up. No staff route is mounted here.
HTML forms work without JavaScript; the API mirrors them. One router per area, each module's
docstring listing its routes:

    intake.py     GET /, POST /report; POST /api/v1/reports
    followup.py   /followup pages (receipt, session, messages); /api/v1/followup[/messages]

What the pages share is in pages.py (language, the posted form, refusals in the reporter's
words); the service and the request's database session are `webdeps`'.
"""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tipline.service.reporter import followup, intake
from tipline.service.reporter.pages import too_large_page
from tipline.service.runtime import Service
from tipline.service.web import (
    STATIC_DIR,
    CommitRoute,
    EarlyRefusal,
    Guard,
    terse_validation_errors,
)


def create_reporter_app(service: Service) -> FastAPI:
    app = FastAPI(title="Tipline reporter app", version="1", docs_url=None, redoc_url=None)
    app.state.service = service  # what the routes' dependencies read (webdeps.service_of)
    app.state.session_key = followup.session_key(service)
    app.router.route_class = CommitRoute  # see web.CommitRoute: no transaction held across a wait
    settings = service.settings
    # 50,000 characters even when each is an escaped surrogate pair ("\ud83d\ude00", 12 bytes);
    # a form with files may add the files of one report and their multipart framing
    text_bytes = 12 * settings.max_report_chars + 64 * 1024
    app.add_middleware(EarlyRefusal, rules=EarlyRefusal.reporter(service))  # inside Guard
    app.add_middleware(Guard, max_bytes=text_bytes,
                       multipart_max_bytes=text_bytes + settings.max_report_upload_bytes
                       + 1024 * settings.max_upload_files,
                       form_page=too_large_page)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    terse_validation_errors(app)
    app.exception_handler(followup.ReceiptRefused)(followup.refused)
    # No two routes answer the same request (tests/service/test_routes.py); the routes of one
    # path keep their order (GET before POST).
    app.include_router(intake.api)
    app.include_router(followup.api)
    app.include_router(intake.pages)
    app.include_router(followup.pages)
    return app
