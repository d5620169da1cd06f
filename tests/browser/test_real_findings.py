"""The findings page with the real analyzer (rules only, for speed) on a real case file (the
dev case modelled on the student who sold photographs), in Debian's headless chromium: the
pages must render what the engine actually says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import ARGS, ARTIFACTS, CHROMIUM, PASSWORD, serve, staff_login
from tests.service.conftest import fast_settings
from tipline.analysis import Analysis, analyze
from tipline.case import Case, load_case
from tipline.service.accounts import auth
from tipline.service.casefiles import cases
from tipline.service.runtime import Service, open_service
from tipline.service.staff.app import create_staff_app

FIXTURE = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "dev" / "he-2025.yaml"
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed"),
    pytest.mark.skipif(not FIXTURE.exists(), reason="needs ../shared/cases/dev"),
]


def rules_only(case: Case) -> Analysis:
    return analyze(case, use_nli=False)


@pytest.fixture
def staff(tmp_path: Path) -> Iterator[tuple[Service, str]]:
    service = open_service(fast_settings(f"sqlite:///{tmp_path / 'r.sqlite3'}", tmp_path))
    service.analyzer = rules_only  # type: ignore[assignment]
    server, thread, url = serve(create_staff_app(service))
    yield service, url
    server.should_exit = True
    thread.join(timeout=10)
    service.database.dispose()


def test_real_findings_render_side_by_side(staff: tuple[Service, str]) -> None:
    from playwright.sync_api import sync_playwright

    service, url = staff
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with service.database.session() as db:
        user = auth.create_user(db, service.hasher, "ivy", "investigator", PASSWORD,
                                vault=service.vault)
        cases.store_case(db, load_case(FIXTURE), assigned_to=user)
        secret = auth.totp_secret(user, service.vault)
    assert secret
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        staff_login(page, url, "ivy", secret)
        page.goto(url + "/cases/he-2025/findings")
        page.wait_for_selector("#findings")
        case = load_case(FIXTURE)
        expected = [f for f in rules_only(case).findings if len(f.refs) == 2]
        assert expected, "the engine asserts at least one pair on this case"
        first = expected[0]
        quoted = " ".join(case.text_of(first.refs[0]).split())[:20]
        finding = page.locator(".finding", has_text=quoted).first
        assert finding.locator("blockquote").count() == 2  # the two quotes side by side
        assert finding.locator("mark").count() >= 1  # the spans the explanation quotes
        page.screenshot(path=str(ARTIFACTS / "8-real-findings.png"), full_page=True)
        browser.close()
