"""Case work: a case's statements and evidence records (one at a time, or a file's records
imported), attachments, tasks, notes and the messages to and from the reporter.

    POST /api/v1/cases/{case_id}/{statements|evidence}    one item -> 201
    POST /api/v1/cases/{case_id}/imports          multipart: format, file, options -> 201, the
                                                  file's records added (all or none)
    POST /cases/{case_id}/{statements|evidence|tasks|notes|messages}
    POST /cases/{case_id}/imports                 a file's records as evidence (multipart)
    POST /cases/{case_id}/tasks/{task_id}/done
    GET  /attachments/{attachment_id}             download (as an attachment, never inline)
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as FormFile

from tipline.errors import CaseFileError
from tipline.imports import ALIASES, FORMATS
from tipline.service import audit
from tipline.service.accounts import auth
from tipline.service.casefiles import cases, casework, evidence_import
from tipline.service.i18n import N_
from tipline.service.models import Attachment, CaseRecord, EvidenceRecord, User
from tipline.service.runtime import Service
from tipline.service.staff.answers import DOMAIN_ERRORS, answers, api_case, http_error, page_case
from tipline.service.staff.cases import body_text
from tipline.service.staff.deps import ApiUser, Csrf, Db, Sess, Svc
from tipline.service.staff.pages import act, back, download, page, upload_name
from tipline.service.web import CommitRoute

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)

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


async def import_upload(request: Request, service: Service, db: Session, user: User,
                        rec: CaseRecord, csrf: str | None = None) -> evidence_import.Imported:
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
                    service.settings.max_import_bytes, profiles.file if profiles else None)
        return await run_in_threadpool(work)


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
        raise http_error(exc) from None
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
async def post_import(case_id: str, request: Request, service: Svc, user: ApiUser, db: Db
                      ) -> dict[str, Any]:
    """A file's evidence records (`tipline import`'s formats and options) added to the
    case, all or none; the answer names the ids added, the file's SHA-256 and any notes
    (an ambiguous date order, skipped rows)."""
    rec = api_case(db, user, case_id, "case.edit")
    try:
        done = await import_upload(request, service, db, user, rec)
    except IMPORT_ERRORS as exc:
        raise HTTPException(import_status(exc), str(exc)) from None
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return done.to_dict(rec.case_id)


@pages.post("/cases/{case_id}/statements", include_in_schema=False)
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


@pages.post("/cases/{case_id}/evidence", include_in_schema=False)
async def evidence_form(case_id: str, service: Svc, sess: Sess, db: Db, csrf_token: Csrf = "",
                        kind: Annotated[str, Form()] = "other",
                        text: Annotated[str, Form()] = "", at: Annotated[str, Form()] = "",
                        file: Annotated[UploadFile | None, File()] = None) -> Response:
    blob: bytes | None = None
    if file is not None and file.filename:
        limit = service.settings.max_attachment_bytes
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


@pages.post("/cases/{case_id}/imports", include_in_schema=False)
async def import_form(case_id: str, request: Request, service: Svc, sess: Sess, db: Db
                      ) -> Response:
    """The case page's import form; a file that cannot be imported gets a page naming
    the problem, and nothing is stored."""
    rec = page_case(db, sess, case_id, "case.edit")
    try:
        await import_upload(request, service, db, sess.user, rec, csrf=sess.csrf_token)
    except IMPORT_ERRORS as exc:
        return page(request, "staff/import_error.html", sess, status_code=import_status(exc),
                    case=rec, problem=str(exc))
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return back(case_id, "#imports")


@pages.post("/cases/{case_id}/tasks", include_in_schema=False)
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


@pages.post("/cases/{case_id}/tasks/{task_id}/done", include_in_schema=False)
def task_done(case_id: str, task_id: int, sess: Sess, db: Db, csrf_token: Csrf = ""
              ) -> Response:
    return act(db, sess, case_id, csrf_token, "case.edit",
               lambda rec: casework.finish_task(db, sess.user, rec, task_id), "#tasks")


@pages.post("/cases/{case_id}/notes", include_in_schema=False)
def note_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
              text: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "case.edit",
               lambda rec: casework.add_note(db, sess.user, rec, text), "#notes")


@pages.post("/cases/{case_id}/messages", include_in_schema=False)
def message_form(case_id: str, sess: Sess, db: Db, csrf_token: Csrf = "",
                 text: Annotated[str, Form()] = "",
                 feedback: Annotated[str, Form()] = "") -> Response:
    return act(db, sess, case_id, csrf_token, "message.reply",
               lambda rec: casework.reply(db, sess.user, rec, text, bool(feedback)),
               "#messages")


@pages.get("/attachments/{attachment_id}", include_in_schema=False)
def attachment(attachment_id: int, sess: Sess, db: Db) -> Response:
    att = db.get(Attachment, attachment_id)
    ev = db.get(EvidenceRecord, att.evidence_pk) if att else None
    rec = db.get(CaseRecord, ev.case_pk) if ev else None
    if att is None or rec is None:
        raise HTTPException(404, N_("no such attachment"))
    page_case(db, sess, rec.case_id)
    audit.record(db, sess.user.username, "attachment.read", rec.case_id, attachment=att.id)
    return download(att.filename, att.data)
