"""Both apps' pages in English and Chinese: language choice, complete catalogues (reporter and
staff pages), and the form's refusals in the reporter's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from tipline.service import i18n
from tipline.service.policy import policies
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service
from tipline.service.staff import pages as staff_pages

SERVICE_DIR = Path(i18n.__file__).parent
LITERAL = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")
TERM = re.compile(r"""term\(\s*"(\w+)"\s*,\s*(?:"([^"]+)")?""")


def _marked(sources: list[Path]) -> set[str]:
    return {m for path in sources for m in LITERAL.findall(path.read_text(encoding="utf-8"))}


def _strings() -> set[str]:
    """Every English string the reporter's pages can show."""
    found = _marked([*sorted((SERVICE_DIR / "templates" / "reporter").glob("*.html")),
                     *sorted((SERVICE_DIR / "reporter").glob("*.py"))])
    wf = policies().workflow
    return found | set(wf.statuses) | set(wf.dispositions)


def _staff_strings() -> set[str]:
    """Every English string and domain term (`group:code`) the staff's pages can show."""
    templates = sorted((SERVICE_DIR / "templates" / "staff").glob("*.html"))
    found = _marked([*templates, *sorted((SERVICE_DIR / "staff").glob("*.py"))])
    groups = staff_pages.shown_terms()
    for path in templates:  # a group a template shows is one the catalogue covers
        for group, code in TERM.findall(path.read_text(encoding="utf-8")):
            assert group in groups, f"{path.name}: term group {group!r}"
            assert not code or code in groups[group], f"{path.name}: {group}:{code}"
    return found | {f"{group}:{code}" for group, codes in groups.items() for code in codes
                    if code}


def test_every_page_string_has_a_chinese_translation() -> None:
    reporter, staff, table = _strings(), _staff_strings(), i18n.catalogue("zh")
    assert len(reporter) > 30 and len(staff) > 200  # the scans found the templates' strings
    strings = reporter | staff
    assert sorted(strings - set(table)) == []
    assert sorted(set(table) - strings) == []  # and nothing stale
    for english, chinese in table.items():
        assert sorted(re.findall(r"{\w+}", english)) == sorted(re.findall(r"{\w+}", chinese)), \
            english  # the same fields, in the order the language wants
        assert "<" not in chinese, english  # translations are text: escaped like any other


def test_staff_message_patterns_are_the_servers_own() -> None:
    """Each pattern `said` translates by is made by the code it claims to match: its fixed
    parts all occur in the service's sources (a reworded message fails here, not silently)."""
    sources = "".join(path.read_text(encoding="utf-8") for path in (
        SERVICE_DIR / "casefiles" / "casework.py", SERVICE_DIR / "intake" / "reports.py",
        *sorted((SERVICE_DIR / "staff").glob("*.py"))))
    joined = re.sub(r'"\s*\n\s*f?"', "", sources)  # literals continued on the next line
    for template in staff_pages.MESSAGES:
        if template in ("Not Found", "Method Not Allowed"):  # Starlette's own
            continue
        for fixed in re.split(r"{\w+}", template):
            assert fixed in joined, (template, fixed)
    said = lambda message: i18n.said("zh", message, staff_pages.MESSAGES)  # noqa: E731
    assert said("a received case cannot move to 'closed'") == "“已收到”状态的案件不能转为 'closed'"
    assert said("investigator may not case.assign on A-1") == \
        "调查员无权对案件 A-1 执行 case.assign"
    assert said("no such task") == "没有这项任务"
    assert said("nothing we know") == "nothing we know"  # anything else as it is
    assert i18n.said("en", "no such task", staff_pages.MESSAGES) == "no such task"


def _request(query: str = "", headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "query_string": query.encode(), "headers": raw})


@pytest.mark.parametrize(("query", "headers", "expected"), [
    ("lang=zh", {"Accept-Language": "en"}, "zh"),
    ("lang=xx", {"Cookie": "lang=zh"}, "zh"),
    ("", {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}, "zh"),
    ("", {"Accept-Language": "en-US,zh;q=0.5"}, "en"),
    ("", {"Accept-Language": "fr-FR, zh-TW;q=0.3"}, "zh"),
    ("", {"Accept-Language": "de, fr;q=bad"}, "en"),
    ("", {}, "en"),
])
def test_language_is_chosen_by_query_cookie_then_browser(query: str, headers: dict[str, str],
                                                          expected: str) -> None:
    assert i18n.choose(_request(query, headers)) == expected


def test_reporter_pages_in_chinese(service: Service) -> None:
    c = TestClient(create_reporter_app(service))
    home = c.get("/?lang=zh")
    assert home.status_code == 200 and '<html lang="zh">' in home.text
    assert "提交举报" in home.text and 'href="/?lang=en"' in home.text
    assert c.cookies.get("lang") == "zh"
    assert "我有回执码" in c.get("/").text  # remembered
    refused = c.post("/report", data={"text": "   "})
    assert refused.status_code == 422 and "请写下发生了什么。" in refused.text
    sent = c.post("/report", data={"text": "我们科长收了几万块。"})
    assert sent.status_code == 200 and "举报已收到" in sent.text
    assert "?lang=" not in sent.text  # a page shown once offers no reload into another language
    receipt = re.search(r'id="receipt">([^<]+)<', sent.text)
    assert receipt
    page = c.post("/followup", data={"receipt": receipt[1]})
    assert "状态：" in page.text and "已收到" in page.text and "暂无消息。" in page.text
    too_long = c.post("/followup/message", data={
        "receipt": receipt[1], "text": "字" * (service.settings.max_report_chars + 1)})
    assert f"最多 {service.settings.max_report_chars} 个字符" in too_long.text
    wrong = c.post("/followup", data={"receipt": "0000-0000-0000-0000-0000-0000"})
    assert wrong.status_code == 401 and "该回执码不存在。" in wrong.text


def test_flooded_form_gets_a_page_not_json(service: Service) -> None:
    c = TestClient(create_reporter_app(service))
    for _ in range(service.settings.submissions_per_client[0]):
        assert c.post("/report", data={"text": "tip"}).status_code == 200
    r = c.post("/report", data={"text": "tip"}, headers={"Accept-Language": "en"})
    assert r.status_code == 429 and r.headers["content-type"].startswith("text/html")
    assert "Several reports were sent from your connection" in r.text
