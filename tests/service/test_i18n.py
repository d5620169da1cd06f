"""The reporter's pages in English and Chinese: language choice, complete catalogues, and the
form's refusals in the reporter's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from tipline.service import i18n
from tipline.service.policy import policies
from tipline.service.reporter_app import create_reporter_app
from tipline.service.runtime import Service

SERVICE_DIR = Path(i18n.__file__).parent
LITERAL = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*[,)]""")


def _strings() -> set[str]:
    """Every English string the reporter's pages can show."""
    sources = [*sorted((SERVICE_DIR / "templates" / "reporter").glob("*.html")),
               SERVICE_DIR / "reporter_app.py"]
    found = {m for path in sources for m in LITERAL.findall(path.read_text(encoding="utf-8"))}
    wf = policies().workflow
    return found | set(wf.statuses) | set(wf.dispositions)


def test_every_reporter_string_has_a_chinese_translation() -> None:
    strings, table = _strings(), i18n.catalogue("zh")
    assert len(strings) > 30  # the scan found the templates' strings
    assert sorted(strings - set(table)) == []
    assert sorted(set(table) - strings) == []  # and nothing stale
    for english, chinese in table.items():
        assert re.findall(r"{\w+}", english) == re.findall(r"{\w+}", chinese), english


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
