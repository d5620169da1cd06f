"""The staff's pages in Chinese: the language switch keeps the user on the page and is
remembered, domain values show translated while forms post the English codes, user text stays
as written (and escaped), refusals and error pages speak the user's language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.service.conftest import Staff, login_page
from tipline.service.models import CaseRecord
from tipline.service.runtime import Service

HOSTILE = '<script>alert("x")</script>'
# UI labels of the case page that must not be left in English on the Chinese page
ENGLISH_LABELS = ("Change status", "Move to", "Statements and interviews", "Add evidence",
                  "Add statement", "Linked cases", "Messages with the reporter", "Log out",
                  "Ask the custodian", "Import evidence from a file", ">received<",
                  ">triaged<", ">witness<", ">bank_transfer<")


def _case(c: TestClient, csrf: str) -> str:
    r = c.post("/intake", data={"csrf_token": csrf, "channel": "hotline", "category": "Evidence",
                                "text": f"Cases {HOSTILE} 我们科长收了钱。"})
    assert r.status_code == 200
    found = re.search(r'href="/cases/([^"]+)"', r.text)
    assert found
    return found[1]


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_case_page_in_chinese(staff_client: TestClient, team: dict[str, Staff]) -> None:
    staff_client.get("/login?lang=zh")
    assert staff_client.cookies.get("lang") == "zh"
    csrf = login_page(staff_client, team["sue"])
    case_id = _case(staff_client, csrf)
    page = staff_client.get(f"/cases/{case_id}").text
    assert '<html lang="zh">' in page
    for chinese in ("更改状态", "转为", "陈述和询问笔录", "添加证据", "关联案件", "退出登录",
                    "已收到", "已初审", "银行转账", "证人", "sue · 主管"):
        assert chinese in page, chinese
    for english in ENGLISH_LABELS:
        assert english not in page, english
    # the reporter's words and the topic are theirs: not translated, still escaped
    assert HOSTILE not in page and "&lt;script&gt;" in page and "Cases &lt;script" in page
    assert "· Evidence</p>" in page and "我们科长收了钱。" in page
    # the form posts the codes, the labels are Chinese
    assert '<option value="triaged">已初审</option>' in page
    assert '<option value="substantiated">属实</option>' in page


def test_language_switch_keeps_the_user_on_the_page(staff_client: TestClient,
                                                    team: dict[str, Staff]) -> None:
    csrf = login_page(staff_client, team["sue"])
    case_id = _case(staff_client, csrf)
    here = f"/cases/{case_id}/findings"
    english = staff_client.get(here, headers={"Accept-Language": "en"}).text
    assert "Findings for" in english
    link = re.search(r'<a href="([^"]+)" lang="zh"', english)
    assert link and link[1] == f"{here}?lang=zh"
    switched = staff_client.get(link[1])
    assert switched.status_code == 200 and switched.url.path == here
    assert "分析发现：案件" in switched.text and f'href="{here}?lang=en"' in switched.text
    # remembered for the session's next pages, over the browser's wish
    assert "案件" in staff_client.get("/", headers={"Accept-Language": "en"}).text
    # a page's own query is kept; a page that answered a form links to the page it was on
    err = staff_client.get(f"/cases/{case_id}?error=no+such+task")
    assert "没有这项任务" in err.text
    assert f'href="/cases/{case_id}?error=no+such+task&amp;lang=en"' in err.text
    shown_once = staff_client.post("/intake", data={"csrf_token": csrf, "text": "tip"})
    assert 'id="receipt"' in shown_once.text and "lang=en" not in shown_once.text
    staff_client.get("/?lang=en")
    assert "Change status" in staff_client.get(f"/cases/{case_id}").text


def test_accept_language_chooses_until_the_user_does(staff_client: TestClient) -> None:
    zh = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    login = staff_client.get("/login", headers=zh).text
    assert "工作人员登录" in login and "一次性验证码" in login and "Staff login" not in login
    bad = staff_client.post("/login", headers=zh, data={
        "csrf_token": _csrf(login), "username": "nobody", "password": "x", "totp": ""})
    assert bad.status_code == 401 and "用户名、密码或一次性验证码错误。" in bad.text
    assert "Staff login" in staff_client.get("/login?lang=en", headers=zh).text
    assert "Staff login" in staff_client.get("/login", headers=zh).text  # the cookie wins


def test_forms_post_codes_from_the_chinese_page(service: Service, staff_client: TestClient,
                                               team: dict[str, Staff]) -> None:
    staff_client.cookies.set("lang", "zh")
    csrf = login_page(staff_client, team["sue"])
    case_id = _case(staff_client, csrf)
    page = staff_client.get(f"/cases/{case_id}").text
    options = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>',
                              page.split('id="status"')[1].split("</select>")[0]))
    assert options == {"triaged": "已初审", "closed": "已结案"}
    moved = staff_client.post(f"/cases/{case_id}/status",
                              data={"csrf_token": csrf, "status": "triaged"})
    assert moved.status_code == 200 and '<span class="pill" id="case-status">已初审' in moved.text
    # a refusal from the domain comes back in Chinese, its values kept
    refused = staff_client.post(f"/cases/{case_id}/status", data={
        "csrf_token": csrf, "status": "closed", "disposition": "unfounded"})
    assert "结案须写明处理结果的理由" in refused.text
    wrong = staff_client.post(f"/cases/{case_id}/status",
                              data={"csrf_token": csrf, "status": "received"})
    assert "“已初审”状态的案件不能转为 &#39;received&#39;" in wrong.text
    closed = staff_client.post(f"/cases/{case_id}/status", data={
        "csrf_token": csrf, "status": "closed", "disposition": "unfounded",
        "reasons": "没有证据。"})
    assert "已结案: 不属实" in closed.text and "没有证据。" in closed.text
    added = staff_client.post(f"/cases/{case_id}/tasks", data={"csrf_token": csrf, "title": "x"})
    assert f"案件 {case_id} 已结案：须由主管重新开启后才能添加任务" in added.text
    with service.database.session() as db:
        rec = db.scalar(select(CaseRecord).where(CaseRecord.case_id == case_id))
        assert rec is not None and (rec.status, rec.disposition) == ("closed", "unfounded")
    staff_client.post(f"/cases/{case_id}/outcome", data={
        "csrf_token": csrf, "significance": "high", "reporter_implicated": "yes",
        "truthful_confession": "1"})
    outcome = staff_client.get(f"/cases/{case_id}/outcome").text
    assert '<option value="high" selected>高</option>' in outcome
    assert "从轻处理" in outcome and "被发现后如实供述。" in outcome


def test_error_pages_and_other_roles_pages_in_chinese(staff_client: TestClient,
                                                      team: dict[str, Staff]) -> None:
    staff_client.cookies.set("lang", "zh")
    login_page(staff_client, team["ivy"])
    missing = staff_client.get("/cases/nope")
    assert missing.status_code == 404 and "未找到" in missing.text
    assert "没有案件 &#39;nope&#39;" in missing.text  # the value kept, escaped
    forbidden = staff_client.get("/users")
    assert forbidden.status_code == 403 and "无权操作" in forbidden.text
    assert staff_client.post("/logout", data={"csrf_token": "x"}).status_code == 403
    for name, path, words in (("ada", "/users", ("工作人员账户", "调查员", "停用")),
                              ("ada", "/audit", ("哈希链完整", "权限矩阵", "仅分派给本人的")),
                              ("cus", "/identity-requests", ("查阅举报人身份", "暂无申请。"))):
        other = TestClient(staff_client.app)
        other.cookies.set("lang", "zh")
        login_page(other, team[name])
        html = other.get(path).text
        for w in words:
            assert w in html, (path, w)
