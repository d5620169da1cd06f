"""The case page's import form in a real browser (Debian's headless chromium): an investigator
imports a WhatsApp export and sees its records; a malformed bank CSV gets a page naming the
row, and the case is unchanged. Screenshots land in test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.browser.helpers import ARGS, ARTIFACTS, CHROMIUM, PASSWORD, serve, staff_login
from tests.imports.makers import chat, whatsapp
from tests.service.conftest import fast_settings, stand_in_analyzer
from tipline.case import case_from_mapping
from tipline.service.accounts import auth
from tipline.service.casefiles import cases
from tipline.service.models import EvidenceRecord
from tipline.service.runtime import Service, open_service
from tipline.service.staff.app import create_staff_app

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")

CASE = {"id": "chat-case", "received_at": "2025-06-10T09:12:00+08:00", "reporter": "P1",
        "people": [{"id": "P1", "name": "Zhang Min", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "text": "I never wrote to Li Wei."}]}


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Service, str, str]]:
    service = open_service(fast_settings(f"sqlite:///{tmp_path / 'b.sqlite3'}", tmp_path))
    service.analyzer = stand_in_analyzer  # type: ignore[assignment]
    with service.database.session() as db:
        ivy = auth.create_user(db, service.hasher, "ivy", "investigator", PASSWORD,
                               vault=service.vault)
        secret = auth.totp_secret(ivy, service.vault)
        cases.store_case(db, case_from_mapping(CASE), assigned_to=ivy)
    assert secret
    server, thread, url = serve(create_staff_app(service))
    yield service, url, secret
    server.should_exit = True
    thread.join(timeout=10)
    service.database.dispose()


def test_import_form_adds_records_and_names_a_bad_row(running: tuple[Service, str, str],
                                                      tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    service, url, secret = running
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    export = whatsapp(chat(30, ("Li Wei", "<b>Ho</b>"), ("Did you pay?",
                                                         "<script>alert(1)</script>")), "ios-us")
    (tmp_path / "WhatsApp Chat with Li Wei.txt").write_text(export, encoding="utf-8")
    bad = tmp_path / "statement.csv"
    bad.write_text("Date,Description,Amount\n2025-03-04,x,-1.00\n2025-03-05,y,12.x0\n",
                   encoding="utf-8")
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        staff_login(page, url, "ivy", secret)
        page.click("text=chat-case")
        page.wait_for_selector("#import-form")
        page.select_option("#import-format", "whatsapp")
        page.select_option("#import-date-order", "mdy")
        page.set_input_files("#import-file", str(tmp_path / "WhatsApp Chat with Li Wei.txt"))
        page.screenshot(path=str(ARTIFACTS / "10-import-form.png"), full_page=True)
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-list")
        assert "wa-1 … wa-30" in page.inner_text("#import-list")
        assert "WhatsApp Chat with Li Wei.txt" in page.inner_text("#import-list")
        assert "<script>alert(1)</script> #" in page.inner_text("main")  # text, not markup
        page.screenshot(path=str(ARTIFACTS / "11-imported.png"), full_page=True)
        with service.database.session() as db:
            count = db.scalar(select(func.count(EvidenceRecord.id)))
        assert count == 30
        # a malformed file: a page naming file, row and problem; nothing added
        page.select_option("#import-format", "bank-csv")
        page.set_input_files("#import-file", str(bad))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-problem")
        assert page.inner_text("#import-problem") == \
            "statement.csv:3: amount: '12.x0' is not an amount"
        assert "Nothing was added to case chat-case" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "12-import-refused.png"), full_page=True)
        page.click("text=Back to case chat-case")
        page.wait_for_selector("#import-list")
        browser.close()
    with service.database.session() as db:
        assert db.scalar(select(func.count(EvidenceRecord.id))) == 30
    assert dialogs == []  # the chat's hostile HTML stayed inert
