"""The SMTP log admin in a real browser: log in, filter, search, open an entry, screenshot.

Needs the Debian ``chromium`` package (``/usr/bin/chromium``) and the ``playwright`` Python
package; Playwright's own browser download is not used. Skipped, with the reason, otherwise.
"""

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.timezone import now

from accounts import services
from smtplog.models import SmtpLog, Status

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-test-password"


def require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("the playwright Python package is missing (pip install playwright)")


def seed() -> dict[str, SmtpLog]:
    account = services.create_account(
        None, {"name": "Browser Master", "realm": "browser.example.net"}, is_master=True
    )
    User.objects.create_superuser("staff", "staff@example.net", PASSWORD)

    def log(subject: str, status: str, to: str, minutes: int, **fields) -> SmtpLog:
        html = f"<h1 style='color:#036'>{subject}</h1><p>Hello {to}</p><script>alert(1)</script>"
        return SmtpLog.objects.create(
            account=account,
            template_id=fields.pop("template_id", "new_user"),
            subject=subject,
            emails={"from": "no_reply@example.net", "to": [to]},
            recipients=to,
            rendered_templates={"text/html": html, "text/plain": f"{subject}\nHello {to}\n"},
            status=status,
            attempts=1,
            created=now() - timedelta(minutes=minutes),
            **fields,
        )

    return {
        "welcome": log("Welcome Alice", Status.SENT, "alice@example.com", 1, receipt="2.0.0 Ok"),
        "voicemail": log(
            "Voicemail from Bob",
            Status.FAILED,
            "bob@example.org",
            2,
            template_id="voicemail_to_email",
            error="550 5.1.1 mailbox unknown",
        ),
        "fax": log(
            "Fax delivery report",
            Status.FAILED,
            "carol@example.org",
            3,
            template_id="fax_inbound_to_email",
            error="554 rejected",
        ),
        "balance": log("Low balance warning", Status.SENT, "dave@example.com", 4, receipt="2.0.0"),
    }


def test_staff_browse_filter_search_and_open_an_smtp_log_entry(live_server, transactional_db):
    require_browser()
    from playwright.sync_api import sync_playwright

    rows = seed()  # all database work happens before Playwright starts its event loop
    screenshots = settings.BASE_DIR / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(15_000)
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            page.goto(f"{live_server.url}/admin/")
            page.fill("#id_username", "staff")
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#user-tools")

            page.goto(f"{live_server.url}/admin/smtplog/smtplog/")
            result_rows = page.locator("#result_list tbody tr")
            assert result_rows.count() == 4

            page.locator("#changelist-filter").get_by_role("link", name="Failed").click()
            page.wait_for_url("**status__exact=failed**")
            statuses = page.locator("#result_list tbody td.field-status").all_inner_texts()
            assert sorted(statuses) == ["Failed", "Failed"]
            subjects = page.locator("#result_list tbody td.field-subject").all_inner_texts()
            assert sorted(subjects) == [rows["fax"].subject, rows["voicemail"].subject]
            page.screenshot(path=str(screenshots / "admin-smtplog.png"), full_page=True)

            page.fill("#searchbar", "Voicemail")
            page.press("#searchbar", "Enter")
            page.wait_for_url("**q=Voicemail**")
            assert page.locator("#result_list tbody td.field-subject").all_inner_texts() == [
                rows["voicemail"].subject
            ]

            page.locator("#result_list tbody th.field-created a").first.click()
            page.wait_for_url(re.compile(rf"/{rows['voicemail'].pk}/change/"))
            iframe = page.locator("iframe[sandbox='']")
            assert iframe.count() == 1
            heading = page.frame_locator("iframe[sandbox='']").locator("h1")
            assert heading.inner_text() == rows["voicemail"].subject
            assert "550 5.1.1 mailbox unknown" in page.content()
            assert dialogs == []  # the mail's <script> never ran: the iframe is sandboxed
            # An off-screen frame is only painted once scrolled to; give it a frame or two.
            iframe.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(screenshots / "admin-smtplog-detail.png"), full_page=True)
        finally:
            browser.close()

    assert (screenshots / "admin-smtplog.png").stat().st_size > 0
