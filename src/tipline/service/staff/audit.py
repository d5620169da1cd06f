"""The audit log for admins: recent entries, the hash chain checked, the permission matrix.

    GET  /audit
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from tipline.service import audit
from tipline.service.accounts.permissions import allowed, table
from tipline.service.i18n import N_
from tipline.service.models import AuditEntry
from tipline.service.staff.deps import Db, Sess
from tipline.service.staff.pages import page
from tipline.service.web import CommitRoute

pages = APIRouter(route_class=CommitRoute)


@pages.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, sess: Sess, db: Db) -> HTMLResponse:
    if not allowed(sess.user.role, "audit.view"):
        raise HTTPException(403, N_("only admins read the audit log"))
    verdict = audit.verify(db)
    audit.record(db, sess.user.username, "audit.view")
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200))
    return page(request, "staff/audit.html", sess, verdict=verdict, entries=list(entries),
                matrix=table())
