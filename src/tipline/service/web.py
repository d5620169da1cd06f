"""What both web apps share: templates (autoescaped), security headers, request size limits."""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import jinja2
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tipline.service.throttle import PairThrottle, Throttle

if TYPE_CHECKING:
    from tipline.service.runtime import Service

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every user-supplied string renders inert
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class CommitRoute(APIRoute):
    """A route whose (sync) function commits the request's database session before it returns.

    FastAPI runs a sync route in a worker thread, then checks its answer against the response
    model in *another* worker thread, and only then ends the request's session. Between the
    two the request waits for a free thread while holding its transaction (SQLite's write
    lock, a pooled connection on PostgreSQL); under a flood, the requests queued for that
    lock hold every thread, and all of them wait out the 30 s busy timeout, then answer 500.
    Committing in the route's own thread ends the transaction before that wait."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, committing(endpoint), **kwargs)


def committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint) or getattr(endpoint, "_commits", False):
        return endpoint  # an async route's answer is checked on the event loop, no wait

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return result

    run._commits = True  # type: ignore[attr-defined]
    return run


def render(request: Request, name: str, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    html = env.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def terse_validation_errors(app: FastAPI) -> None:
    """422 answers name the field and the problem but never echo the value sent: a too-long
    report must not come back whole (nor land in a proxy's log of answers)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                                         "type": e.get("type", "")} for e in exc.errors()]},
                            status_code=422)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
     b"frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {limit}-byte limit")


class Guard:
    """ASGI middleware: security headers on every answer; bodies over `max_bytes` get 413.

    The limit is enforced on the declared Content-Length before reading and again while
    streaming, so a huge upload is never held whole in memory.
    """

    def __init__(self, app: ASGIApp, max_bytes: int,
                 form_page: Callable[[Request], Response] | None = None,
                 multipart_max_bytes: int | None = None,
                 multipart_paths: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.multipart_max_bytes = multipart_max_bytes  # a form with files may send more
        # where it may (a path matching this pattern); None: every multipart post
        self.multipart_paths = multipart_paths
        self.form_page = form_page  # what a browser's too-large form post gets, not JSON

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        headers = dict(scope.get("headers", []))
        limit = self.max_bytes
        if self.multipart_max_bytes and headers.get(b"content-type", b"").startswith(
                b"multipart/form-data") and (self.multipart_paths is None
                                             or self.multipart_paths.fullmatch(scope["path"])):
            limit = self.multipart_max_bytes
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(scope, receive, send_with_headers, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send_with_headers, limit)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        ctype = dict(scope.get("headers", [])).get(b"content-type", b"")
        if self.form_page and ctype.startswith((b"application/x-www-form-urlencoded",
                                                b"multipart/form-data")):
            await self.form_page(Request(scope))(scope, receive, send)
            return
        await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail": "request body over the {limit}-byte limit"}}'.encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# An API route a throttled client is refused on whatever it sends: its throttle and the
# answer's words (as the route itself gives them).
Refusal = tuple[PairThrottle, str]


class EarlyRefusal:
    """ASGI middleware: a client its own window already refuses on a guessing route (wrong
    receipts, failed logins) gets that route's 429 here, before routing, body parsing and
    validation, a worker thread and a database session. Under an attack nearly every guess is
    such a refusal, and each one answered late cost the server some 2 ms of CPU that the
    legitimate requests were waiting for. The answer is the route's own: the same status,
    words and Retry-After. Only the per-client window is asked here; the global ones refuse
    wrong guesses only, which needs the route. Forms are left to their routes (a refused form
    gets a page in the reporter's language, and a follow-up session needs no receipt)."""

    def __init__(self, app: ASGIApp, rules: dict[tuple[str, str], Refusal]) -> None:
        self.app = app
        self.rules = rules

    @staticmethod
    def reporter(service: Service) -> dict[tuple[str, str], Refusal]:
        words = "too many wrong receipts; please try again later"
        return {("GET", "/api/v1/followup"): (service.receipt_failures, words),
                ("POST", "/api/v1/followup/messages"): (service.receipt_failures, words)}

    @staticmethod
    def staff(service: Service) -> dict[tuple[str, str], Refusal]:
        return {("POST", "/api/v1/auth/token"): (service.login_failures,
                                                 "too many failed logins; try again later")}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rules.get((scope.get("method", ""), scope.get("path", "")))
        if rule is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        throttle, words = rule
        client = scope.get("client")
        ip = client[0] if client else "unknown"  # as web.client_ip
        if isinstance(throttle.client, Throttle):  # in memory: a lock and a deque
            wait = throttle.retry_after(ip) if throttle.client_blocked(ip) else 0
        else:  # Redis: network I/O, off the event loop
            wait = await anyio.to_thread.run_sync(
                lambda: throttle.retry_after(ip) if throttle.client_blocked(ip) else 0)
        if not wait:
            await self.app(scope, receive, send)
            return
        await _drain(receive)
        body = json.dumps({"detail": words}, separators=(",", ":")).encode()
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(wait).encode())]})
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, limit: int = 64 * 1024) -> None:
    """Read (and drop) a refused request's body, up to `limit` bytes, so the connection can
    carry the client's next request."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return
        seen += len(message.get("body", b""))
