"""What the staff routes answer when the work refuses: domain errors as HTTP errors, the
API's documented answers, and a case opened for this user or refused."""

from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from tipline.errors import CaseFileError
from tipline.service.casefiles import cases, casework
from tipline.service.intake import reports
from tipline.service.models import CaseRecord, StaffSession, User


def http_error(exc: Exception) -> HTTPException:
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


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": _ANSWERS[code]} for code in codes}


def api_case(db: Session, user: User, case_id: str, action: str = "case.view"
             ) -> CaseRecord:
    try:
        return casework.open_case(db, user, case_id, action)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None


def page_case(db: Session, sess: StaffSession, case_id: str, action: str = "case.view"
              ) -> CaseRecord:
    try:
        return casework.open_case(db, sess.user, case_id, action)
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
