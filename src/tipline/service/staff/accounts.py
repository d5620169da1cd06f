"""Staff accounts: logging in and out (an API token, or a page session), and the admin's list
of accounts with deactivation.

    POST /api/v1/auth/token, DELETE /api/v1/auth/token
    GET/POST /login, POST /logout
    GET  /users, POST /users/{user_id}/active         admin
"""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from tipline.service import audit, i18n
from tipline.service.accounts import auth
from tipline.service.casefiles import casework
from tipline.service.i18n import N_
from tipline.service.models import User
from tipline.service.runtime import Service
from tipline.service.staff.answers import DOMAIN_ERRORS, answers, http_error
from tipline.service.staff.deps import (
    COOKIE,
    ApiUser,
    Bearer,
    Csrf,
    Db,
    Sess,
    Svc,
    check_csrf,
)
from tipline.service.staff.pages import page, show
from tipline.service.web import CommitRoute, client_ip

LOGIN_CSRF = "tipline_login_csrf"

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)


class TokenIn(BaseModel):
    username: str
    password: str
    totp: str | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


def login(service: Service, db: Session, request: Request, username: str, password: str,
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
    if user is None:  # audited once per burst, the rest counted (see failed_logins)
        service.login_failures.hit(ip)
        service.account_failures.hit(account)
        service.failed_logins.failed(db, account, ip)
    if not strong and crowded:
        return too_many(max(service.account_failures.retry_after(account),
                            service.login_failures.overall.retry_after("*")))
    if user is None:
        return JSONResponse({"detail": "wrong user name, password or one-time code"},
                            status_code=401)
    service.failed_logins.succeeded(db, account)
    audit.record(db, user.username, "login", ip=ip)
    return user


def too_many(wait: int) -> Response:
    return JSONResponse({"detail": "too many failed logins; try again later"},
                        status_code=429, headers={"Retry-After": str(wait)})


@api.post("/auth/token", response_model=TokenOut, responses={
    **answers(400), 401: {"description": "wrong user name, password or one-time code"},
    429: {"description": "too many failed logins from here or for this user name; "
                         "see Retry-After"}})
def token(body: TokenIn, request: Request, service: Svc, db: Db) -> TokenOut | Response:
    user = login(service, db, request, body.username, body.password, body.totp)
    if not isinstance(user, User):
        return user
    return TokenOut(access_token=auth.issue_token(db, user, service.settings.token_hours))


@api.delete("/auth/token", status_code=204, responses=answers(401))
def revoke(user: ApiUser, db: Db, cred: Bearer) -> None:
    """Log an API client out: the token stops working at once (before it expires)."""
    assert cred is not None  # api_user has checked it
    auth.revoke_token(db, cred.credentials)
    audit.record(db, user.username, "token.revoked")


@pages.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, service: Svc, next: str = "/") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = show(request, "staff/login.html", user=None, csrf=token, error="", next=next,
                username="")
    resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict",
                    secure=service.settings.secure_cookies)
    return resp


@pages.post("/login", include_in_schema=False)
def login_post(request: Request, service: Svc, db: Db, csrf_token: Csrf = "",
               username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
               totp: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
               ) -> Response:
    settings = service.settings
    if not auth.csrf_ok(request.cookies.get(LOGIN_CSRF, ""), csrf_token):
        raise HTTPException(403, N_("missing or wrong CSRF token; reload the login page"))
    user = login(service, db, request, username, password, totp)
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


@pages.post("/logout", include_in_schema=False)
def logout(request: Request, sess: Sess, db: Db, csrf_token: Csrf = "") -> Response:
    check_csrf(sess, csrf_token)
    audit.record(db, sess.user.username, "logout")
    auth.end_session(db, request.cookies.get(COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@pages.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, sess: Sess, db: Db) -> HTMLResponse:
    try:
        users = casework.list_users(db, sess.user)
    except casework.Forbidden as exc:
        raise http_error(exc) from None
    return page(request, "staff/users.html", sess, users=users)


@pages.post("/users/{user_id}/active", include_in_schema=False)
def users_active(user_id: int, sess: Sess, db: Db, csrf_token: Csrf = "",
                 active: Annotated[str, Form()] = "") -> Response:
    check_csrf(sess, csrf_token)
    try:
        casework.set_active(db, sess.user, user_id, active == "1")
    except DOMAIN_ERRORS as exc:
        raise http_error(exc) from None
    return RedirectResponse("/users", status_code=303)
