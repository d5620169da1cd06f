"""The staff routes' dependencies: who is asking (an API bearer token or a page's session
cookie) and the forms' CSRF token; the service and the request's database session are
`webdeps`', shared with the reporter app."""

from typing import Annotated, TypeVar

from fastapi import Depends, Form, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from tipline.service.accounts import auth
from tipline.service.i18n import N_
from tipline.service.models import StaffSession, User
from tipline.service.webdeps import Db, Svc, service_of

__all__ = ["COOKIE", "ApiUser", "Bearer", "Csrf", "Db", "LoginRequired", "Sess", "Svc",
           "check_csrf", "service_of"]

COOKIE = "tipline_session"

T = TypeVar("T")


class LoginRequired(Exception):
    pass


bearer = HTTPBearer(auto_error=False)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# The two checks below run in a thread of their own, and the route in another after it:
# in between, the request waits for a free thread. So they read in a short read-only
# session and hand the row to the request's session without a query (`attach`). Were
# they to open the request's transaction, it would hold SQLite's write lock (a pooled
# connection on PostgreSQL) through that wait, while the requests queued for that lock
# held every thread: all of them stalled until the 30 s busy timeout, then answered 500.


def attach(db: Session, row: T) -> T:
    """A row read elsewhere, in the request's session; no SQL, no transaction begun."""
    return db.merge(row, load=False)


def api_user(service: Svc, db: Db, cred: Bearer) -> User:
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


def page_session(request: Request, service: Svc, db: Db) -> StaffSession:
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
