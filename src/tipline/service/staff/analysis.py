"""What the analysis of a case shows: the analysis contract by API, the findings page (side
by side, timeline, graph) and the outcome page (disposition, reward, leniency, summary).

    GET  /api/v1/cases/{case_id}/analysis         analysis contract, case as stored now
    GET  /cases/{case_id}/findings                findings side by side, timeline, graph
    GET/POST /cases/{case_id}/outcome             disposition, reward, leniency, summary
"""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline.service import i18n, jobs
from tipline.service.casefiles import cases, casework, outcome
from tipline.service.findings import findings_view, graphs
from tipline.service.models import CaseRecord, ReporterIdentity
from tipline.service.runtime import Service
from tipline.service.staff.answers import answers, api_case, http_error, page_case
from tipline.service.staff.deps import ApiUser, Csrf, Db, Sess, Svc, check_csrf
from tipline.service.staff.pages import page
from tipline.service.web import CommitRoute

api = APIRouter(prefix="/api/v1", route_class=CommitRoute)
pages = APIRouter(route_class=CommitRoute)


def analysis_of(service: Service, db: Session, rec: CaseRecord) -> dict[str, Any]:
    try:
        return jobs.current_analysis(db, rec, service.analyzer)
    except jobs.AnalysisFailed as exc:
        raise HTTPException(503, str(exc)) from None


def page_analysis(service: Service, db: Session, rec: CaseRecord
                  ) -> tuple[dict[str, Any], str]:
    """Pages still show the case when the analyzer fails; the failure is named."""
    try:
        return jobs.current_analysis(db, rec, service.analyzer), ""
    except jobs.AnalysisFailed as exc:
        return {"case": rec.case_id, "findings": [], "timeline": []}, str(exc)


@api.get("/cases/{case_id}/analysis", responses=answers(401, 404, 503))
def get_analysis(case_id: str, service: Svc, user: ApiUser, db: Db) -> dict[str, Any]:
    return analysis_of(service, db, api_case(db, user, case_id))


@pages.get("/cases/{case_id}/findings", response_class=HTMLResponse, include_in_schema=False)
def findings_page(case_id: str, request: Request, service: Svc, sess: Sess, db: Db
                  ) -> HTMLResponse:
    rec = page_case(db, sess, case_id)
    analysis, failure = page_analysis(service, db, rec)
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


@pages.get("/cases/{case_id}/outcome", response_class=HTMLResponse, include_in_schema=False)
def outcome_page(case_id: str, request: Request, service: Svc, sess: Sess, db: Db
                 ) -> HTMLResponse:
    rec = page_case(db, sess, case_id)
    analysis, failure = page_analysis(service, db, rec)
    facts = outcome.facts_for(rec, analysis)
    return page(request, "staff/outcome.html", sess, case=rec, facts=facts,
                reward=outcome.assess_reward(service.policies.rewards, facts),
                leniency=outcome.assess_leniency(service.policies.leniency, facts),
                failure=failure, summary=outcome.summary(rec, analysis,
                                                         reporter_identity(service, db, rec)),
                grounds=service.policies.leniency.grounds)


def reporter_identity(service: Service, db: Session, rec: CaseRecord
                      ) -> dict[str, Any] | None:
    """The reporter's sealed name and contact, opened only so the publishable summary can
    blank them out; never shown, so not an identity view."""
    row = db.scalar(select(ReporterIdentity).where(ReporterIdentity.case_pk == rec.id))
    return service.identity.open(row.ciphertext) if row else None


@pages.post("/cases/{case_id}/outcome", include_in_schema=False)
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
        raise http_error(exc) from None
    return RedirectResponse(f"/cases/{quote(case_id)}/outcome", status_code=303)
