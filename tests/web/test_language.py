"""Language: Indonesian or English by the member's choice, else the browser; local formats."""

from __future__ import annotations

import re

from tests.conftest import MONDAY

ID = {"Accept-Language": "id-ID,id;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def main_text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_login_page_follows_the_browser(client) -> None:
    indonesian = client.get("/login", headers=ID).text
    assert '<html lang="id">' in indonesian
    assert "<h1>Masuk</h1>" in indonesian
    assert "Kata sandi" in indonesian
    assert "Lupa kata sandi?" in indonesian
    assert "Log in" not in indonesian

    english = client.get("/login", headers=EN).text
    assert '<html lang="en">' in english
    assert "<h1>Log in</h1>" in english
    assert "Password" in english
    assert "Masuk" not in english


def test_form_messages_are_indonesian_too(client) -> None:
    """WTForms has no Indonesian of its own: its messages come from Ruang's catalogue."""
    page = client.post("/login", data={"email": "", "password": ""}, headers=ID).text
    assert "Wajib diisi." in page
    assert "This field is required." not in page
    page = client.post("/login", data={"email": "bukan-email", "password": "x"}, headers=ID).text
    assert "Alamat email tidak valid." in page
    page = client.post("/login", data={"email": "", "password": ""}, headers=EN).text
    assert "This field is required." in page


def test_hubs_page_in_both_languages(client, login, make_member, a_hub) -> None:
    login(make_member(name="Rina"))  # no saved language: the browser decides
    indonesian = client.get("/m/", headers=ID).text
    assert "Mau bekerja di mana?" in indonesian
    assert ">Pemesanan saya<" in indonesian  # the menu
    assert "Test Hub Jakarta" in indonesian
    english = client.get("/m/", headers=EN).text
    assert "Where do you want to work?" in english
    assert ">My bookings<" in english


def test_the_members_choice_beats_the_browser(client, login, make_member, a_hub) -> None:
    login(make_member(name="Rina", locale="id"))
    assert "Mau bekerja di mana?" in client.get("/m/", headers=EN).text
    client.post("/language/en", headers=ID)
    assert "Where do you want to work?" in client.get("/m/", headers=ID).text


def test_choosing_a_language_without_an_account(client) -> None:
    client.post("/language/id", headers=EN)
    assert "<h1>Masuk</h1>" in client.get("/login", headers=EN).text


def test_money_in_rupiah_per_locale(clock, client, login, make_plan, make_member) -> None:
    login(make_member(plan=make_plan(name="Bulanan", price_idr=50_000)))
    indonesian = main_text(client.get("/m/membership", headers=ID).text)
    assert "Rp 50.000 / bulan" in indonesian
    assert "Keanggotaan saya" in indonesian
    english = main_text(client.get("/m/membership", headers=EN).text)
    assert "Rp 50,000 / month" in english


def test_free_plan_says_gratis_not_available(clock, client, login, make_plan, make_member):
    """`Free` is both a price and a desk's state: the price has its own context."""
    login(make_member(plan=make_plan(name="Gratis", price_idr=0)))
    page = client.get("/m/membership", headers=ID).text
    assert '<p class="price">Gratis' in page


def test_dates_and_24_hour_times_per_locale(
    clock, client, login, make_member, a_hub, make_resource
) -> None:
    make_resource(a_hub, name="A01")
    login(make_member(name="Rina"))
    indonesian = main_text(client.get(f"/m/{a_hub.slug}/?day={MONDAY}", headers=ID).text)
    assert "Senin, 23 Nov 2026" in indonesian
    assert "Buka 08:00\u201317:00 WIB" in indonesian
    assert "Waktu dalam WIB" in indonesian
    assert "Tersedia" in indonesian
    english = main_text(client.get(f"/m/{a_hub.slug}/?day={MONDAY}", headers=EN).text)
    assert "Monday, 23 Nov 2026" in english
    assert "Open 08:00\u201317:00 WIB" in english
    assert "PM" not in english


def test_error_pages_are_translated(client) -> None:
    page = client.get("/no-such-page", headers=ID)
    assert page.status_code == 404
    assert "Halaman tidak ditemukan" in page.text
    page = client.get("/no-such-page", headers=EN)
    assert "Page not found" in page.text
    page = client.put("/login", headers=ID)
    assert page.status_code == 405
    assert "Halaman ini tidak bisa dipakai dengan cara itu" in page.text


def test_the_login_redirect_says_why_in_the_browsers_language(client) -> None:
    page = client.get("/m/", headers=ID, follow_redirects=True).text
    assert "Silakan masuk untuk membuka halaman ini." in page
    page = client.get("/m/", headers=EN, follow_redirects=True).text
    assert "Please log in to see this page." in page
