"""Language and formatting: Bahasa Indonesia and English; dates and times in the hub's zone."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from flask import Flask, request, session
from flask_babel import get_locale, lazy_gettext, refresh
from flask_login import current_user

from app.models import Hub
from app.models.base import require_aware
from app.money import format_money, format_rupiah

SUPPORTED_LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"


def select_locale() -> str:
    """The member's saved choice, else this browser's choice, else the browser's languages."""
    if current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def money(amount_minor: int, currency: str = "IDR") -> str:
    return format_money(amount_minor, currency, current_locale())


def rupiah(amount_idr: int) -> str:
    """Whole rupiah in the request's language (`Rp 150.000`)."""
    return format_rupiah(amount_idr, current_locale())


def hub_time(instant: datetime, hub: Hub, with_zone: bool = True) -> str:
    """24-hour wall-clock time at the hub, e.g. `09:00 WITA`: the same digits and colon in both
    languages (Babel's `HH:mm`), so written without a locale lookup per time (a room's day
    writes dozens)."""
    text = require_aware(instant).astimezone(hub.zone).strftime("%H:%M")
    return f"{text} {hub.zone_label}" if with_zone else text


def hub_date(value: datetime | date, hub: Hub | None = None, style: str = "medium") -> str:
    """A date in the current language; an instant is first placed in the hub's zone."""
    if isinstance(value, datetime):
        value = hub.local_date(value) if hub is not None else value.date()
    return format_date(value, style, locale=current_locale())


def weekday_date(value: date) -> str:
    """`Senin, 23 Nov 2026` / `Monday, 23 Nov 2026`."""
    return format_date(value, "EEEE, d MMM y", locale=current_locale())


#: What Flask-Login flashes on the way to the login page (its own default is English only).
LOGIN_MESSAGE = lazy_gettext("Please log in to see this page.")


def init_i18n(app: Flask) -> None:
    from app.extensions import babel, login_manager

    login_manager.login_message = LOGIN_MESSAGE
    login_manager.localize_callback = str  # the lazy message, in the request's language

    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    # Flask-Babel caches the locale on `g`, which outlives a request when an app context is
    # shared (tests, scripts); each request chooses its language afresh.
    app.before_request(refresh)
    app.jinja_env.filters.update(
        money=money, rupiah=rupiah, hub_time=hub_time, hub_date=hub_date, weekday_date=weekday_date
    )
    app.jinja_env.globals.update(current_locale=current_locale, SUPPORTED_LOCALES=SUPPORTED_LOCALES)
