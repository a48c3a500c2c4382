"""Front-desk pages (staff, only for their hubs): arrivals, search, check-in and out, walk-ins."""

from __future__ import annotations

from flask import Blueprint

frontdesk = Blueprint("frontdesk", __name__, url_prefix="/frontdesk")
