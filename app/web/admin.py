"""Admin pages: hubs, calendars, floors and plans, resources, plans, members, staff, audit log."""

from __future__ import annotations

from flask import Blueprint

admin = Blueprint("admin", __name__, url_prefix="/admin")
