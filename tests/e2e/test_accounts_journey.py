"""A newcomer signs up on a phone, confirms the email and logs in."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.e2e.conftest import DESKTOP, log_in
from tests.mail import MailCatcher


def test_sign_up_verify_log_in(page, e2e_mail: MailCatcher, screenshot) -> None:
    page.goto("/signup")
    screenshot(page, "signup-phone")
    page.fill("#name", "Rina Kusuma")
    page.fill("#email", "rina@example.com")
    page.fill("#phone", "+62 812 7777 1234")
    page.fill("#business_name", "Rina Rajut")
    page.select_option("#sector", "kriya")
    page.fill("#kecamatan", "Tebet")
    page.fill("#password", "rajut-rajut-2026")
    page.fill("#confirm", "rajut-rajut-2026")
    page.check("#consent")
    page.click("button[type=submit].primary")
    assert "rina@example.com" in page.inner_text("main")

    link = e2e_mail.last_link("rina@example.com")
    page.goto(urlparse(link).path)
    log_in(page, "rina@example.com", "rajut-rajut-2026")
    assert page.locator("form[action$='/logout']").count() == 1


def test_signup_errors_shown_in_place(page) -> None:
    page.goto("/signup")
    page.fill("#name", "Tanpa Persetujuan")
    page.fill("#email", "not-an-email")
    page.click("button[type=submit].primary")
    assert page.locator(".field.has-error").count() >= 2
    assert page.input_value("#name") == "Tanpa Persetujuan"


def test_login_page_on_desktop(page, screenshot) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/login")
    screenshot(page, "login-desktop")
    assert page.locator("#email").is_visible()
