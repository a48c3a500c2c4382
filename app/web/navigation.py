"""The main menu, built from the current user's roles and the pages that exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import Role

# (endpoint, label, who sees it)
MENU = [
    ("member.hubs", _l("Book"), "member"),
    ("member.my_bookings", _l("My bookings"), "member"),
    ("member.membership", _l("Membership"), "member"),
    ("passes.my_pass", _l("My pass"), "member"),
    ("billing.history", _l("Billing"), "member"),
    ("account.notifications", _l("Account"), "member"),
    ("programmes.my_journey", _l("Programme"), "member"),
    ("programmes.office_hours", _l("Office hours"), "mentor"),
    ("frontdesk.index", _l("Front desk"), "staff"),
    ("devices.index", _l("Devices"), "staff"),
    ("programme_staff.index", _l("Programmes"), "staff"),
    ("reports.impact", _l("Impact"), "admin"),
    ("admin.index", _l("Admin"), "admin"),
]


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    user = current_user
    admin = any(grant.role in (Role.HUB_ADMIN, Role.PROGRAMME_ADMIN) for grant in user.roles)
    allowed = {"member": True, "staff": user.is_staff, "admin": admin, "mentor": user.is_mentor}
    links = [
        (url_for(endpoint), str(label))
        for endpoint, label, audience in MENU
        if allowed[audience] and endpoint in current_app.view_functions
    ]
    # The current page belongs to the item with the longest URL it starts with.
    current = max((url for url, _ in links if request.path.startswith(url)), key=len, default=None)
    return [NavItem(url, label, url == current) for url, label in links]


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
