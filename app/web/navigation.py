"""The main menu, built from the current user's roles and the pages that exist."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, who sees it)
MENU = [
    ("member.hubs", _l("Book"), "member"),
    ("member.my_bookings", _l("My bookings"), "member"),
    ("member.membership", _l("Membership"), "member"),
    ("frontdesk.index", _l("Front desk"), "staff"),
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
    admin = user.is_programme_admin or (
        bool(user.staff_hub_ids()) and any(g.role.value == "hub_admin" for g in user.roles)
    )
    allowed = {"member": True, "staff": user.is_staff, "admin": admin}
    items = []
    for endpoint, label, audience in MENU:
        if allowed[audience] and endpoint in current_app.view_functions:
            url = url_for(endpoint)
            items.append(NavItem(url, str(label), request.path.startswith(url)))
    return items


def init_navigation(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
