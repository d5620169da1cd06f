"""The whole journey in a real browser (Debian's headless chromium, never a download):
a reporter submits and follows up with the receipt; an investigator logs in with TOTP and
opens the findings page. Screenshots land in test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.browser.helpers import ARGS, ARTIFACTS, CHROMIUM, PASSWORD, serve, staff_login
from tests.service.conftest import fast_settings, stand_in_analyzer
from tipline.service.accounts import auth
from tipline.service.casefiles import casework
from tipline.service.intake import reports
from tipline.service.models import CaseRecord, User
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service, open_service
from tipline.service.staff.app import create_staff_app

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Service, str, str]]:
    service = open_service(fast_settings(f"sqlite:///{tmp_path / 'b.sqlite3'}", tmp_path))
    service.analyzer = stand_in_analyzer  # type: ignore[assignment]
    servers = [serve(create_reporter_app(service)), serve(create_staff_app(service))]
    yield service, servers[0][2], servers[1][2]
    for server, thread, _ in servers:
        server.should_exit = True
        thread.join(timeout=10)
    service.database.dispose()


def test_report_followup_login_findings(running: tuple[Service, str, str]) -> None:
    from playwright.sync_api import sync_playwright

    service, reporter_url, staff_url = running
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with service.database.session() as db:
        ivy = auth.create_user(db, service.hasher, "ivy", "investigator", PASSWORD,
                               vault=service.vault)
        secret = auth.totp_secret(ivy, service.vault)
        auth.create_user(db, service.hasher, "sue", "supervisor", PASSWORD, vault=service.vault)
    assert secret
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(java_script_enabled=False, viewport={"width": 1200,
                                                                     "height": 900})
        # 1. the reporter, without JavaScript
        page.goto(reporter_url + "/")
        page.fill("#text", f"My manager Zhao took 20,000 CNY in cash. {HOSTILE}")
        page.fill("#category", "bribery")
        page.screenshot(path=str(ARTIFACTS / "1-report-form.png"), full_page=True)
        page.click("button[type=submit]")
        receipt = page.inner_text("#receipt").strip()
        assert len(receipt) == 29
        page.screenshot(path=str(ARTIFACTS / "2-receipt.png"), full_page=True)
        # 2. follow-up with the receipt
        page.goto(reporter_url + "/followup")
        page.fill("#receipt", receipt)
        page.click("button[type=submit]")
        assert page.inner_text("#status") == "received"
        page.fill("#text", "I also saw him take an envelope on 3 March.")
        page.click("button[type=submit]")
        assert "envelope" in page.inner_text(".messages")
        page.screenshot(path=str(ARTIFACTS / "3-followup.png"), full_page=True)
        page.close()

        # a supervisor assigns the case to the investigator
        with service.database.session() as db:
            rec = db.scalar(select(CaseRecord))
            sue = db.scalar(select(User).where(User.username == "sue"))
            assert rec is not None and sue is not None
            casework.assign(db, sue, rec, "ivy")
            case_id = rec.case_id

        # 3. the investigator, JavaScript on, so an injected script would fire a dialog
        staff = browser.new_page(viewport={"width": 1200, "height": 900})
        staff.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        staff_login(staff, staff_url, "ivy", secret)
        staff.screenshot(path=str(ARTIFACTS / "4-cases.png"), full_page=True)
        staff.click(f"text={case_id}")
        staff.wait_for_selector("#findings-link")
        staff.screenshot(path=str(ARTIFACTS / "5-case.png"), full_page=True)
        # an interview answer from a new person, and a bank record, through the case page
        staff.fill("#new_person", "Zhao Lei")
        staff.select_option("#new_role", "subject")
        staff.fill("#setting", "interview 1")
        staff.fill("#question", "Did you receive any cash?")
        staff.fill("#statement-text", "I never received any cash from anyone.")
        staff.click("#statements ~ form button[type=submit] >> nth=0")
        staff.wait_for_selector("text=Did you receive any cash?")
        staff.select_option("#kind", "bank_transfer")
        staff.fill("#at", "2026-03-03")
        staff.fill("#evidence-text", "Cash withdrawal of 20,000 CNY by Zhao Lei.")
        staff.set_input_files("#file", files=[{"name": "bank.csv", "mimeType": "text/csv",
                                               "buffer": b"date,amount\n2026-03-03,20000\n"}])
        staff.click("#evidence ~ form button[type=submit] >> nth=0")
        staff.wait_for_selector("text=bank.csv")
        staff.click("#findings-link")
        staff.wait_for_selector("#findings")
        assert staff.locator(".finding").count() == 2
        finding = staff.locator(".finding").first
        assert "contradiction" in finding.inner_text().lower()
        assert finding.locator("blockquote").count() == 2  # two quotes side by side
        assert finding.locator("mark").count() == 2
        assert staff.locator("#timeline svg").count() == 1
        assert staff.locator("#graph svg").count() == 1
        staff.screenshot(path=str(ARTIFACTS / "6-findings.png"), full_page=True)
        # operator intake of a phone report: the receipt is shown to read out
        staff.click("text=Take a report")
        staff.fill("#text", "Caller says the warehouse manager sells seized goods.")
        staff.fill("#name", "Chen Jing")
        staff.click("main button[type=submit]")
        assert len(staff.inner_text("#receipt").strip()) == 29
        staff.screenshot(path=str(ARTIFACTS / "7-intake-receipt.png"), full_page=True)
        browser.close()
    assert dialogs == []  # the hostile HTML stayed inert on every page
    for name in ("1-report-form", "2-receipt", "3-followup", "4-cases", "5-case",
                 "6-findings", "7-intake-receipt"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000


def test_chinese_reporter_journey(running: tuple[Service, str, str]) -> None:
    """A browser set to Chinese gets the reporter's pages in Chinese, refusals included."""
    from playwright.sync_api import sync_playwright

    service, reporter_url, _ = running
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(java_script_enabled=False, locale="zh-CN",
                                viewport={"width": 1000, "height": 800})
        page.goto(reporter_url + "/")
        assert page.inner_text("h1") == "提交举报"
        page.fill("#text", "我们科长去年六月收了几万块，在他办公室。")
        page.screenshot(path=str(ARTIFACTS / "9-report-zh.png"), full_page=True)
        page.click("button[type=submit]")
        assert page.inner_text("h1") == "举报已收到"
        receipt = page.inner_text("#receipt").strip()
        page.goto(reporter_url + "/followup")
        page.fill("#receipt", "0000-0000-0000-0000-0000-0000")
        page.click("button[type=submit]")
        assert page.inner_text(".error") == "该回执码不存在。"
        page.fill("#receipt", receipt)
        page.click("button[type=submit]")
        assert page.inner_text("#status") == "已收到"
        page.click("text=English")  # a plain link; the follow-up session keeps the case open
        assert page.inner_text("h1") == "Your report" and page.inner_text("#status") == "received"
        browser.close()
    with service.database.session() as db:
        assert db.scalar(select(CaseRecord.case_id)) is not None


def test_chinese_staff_journey(running: tuple[Service, str, str]) -> None:
    """A supervisor switches the staff pages to Chinese from the case page, stays on it, and
    moves the case on through the Chinese form (which posts the English code)."""
    from playwright.sync_api import sync_playwright

    service, _, staff_url = running
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with service.database.session() as db:
        sue = auth.create_user(db, service.hasher, "sue", "supervisor", PASSWORD,
                               vault=service.vault)
        secret = auth.totp_secret(sue, service.vault)
        case_id = reports.submit(service, db, text="来电人说仓库主任在倒卖查扣的货物。",
                                 channel="hotline").case_id
    assert secret
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(java_script_enabled=False, locale="en-US",
                                viewport={"width": 1200, "height": 900})
        staff_login(page, staff_url, "sue", secret)
        page.click(f"text={case_id}")
        page.wait_for_selector("#findings-link")
        case_path = page.url.removeprefix(staff_url)
        assert case_path == f"/cases/{case_id}"
        assert "Change status" in page.inner_text("main")
        page.click("#languages a[lang=zh]")
        assert page.url.removeprefix(staff_url) == f"{case_path}?lang=zh"
        assert page.inner_text("#case-status") == "已收到"
        assert "更改状态" in page.inner_text("main") and "Change status" not in page.inner_text(
            "main")
        page.select_option("#status", label="已初审")
        page.click("form[action$='/status'] button[type=submit]")
        page.wait_for_selector("#case-status")
        assert page.inner_text("#case-status") == "已初审"  # remembered after the post
        page.screenshot(path=str(ARTIFACTS / "8-case-zh.png"), full_page=True)
        browser.close()
    with service.database.session() as db:
        rec = db.scalar(select(CaseRecord))
        assert rec is not None and rec.status == "triaged"
