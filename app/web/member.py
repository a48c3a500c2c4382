"""Member pages: pick a hub, a date and a desk on the floor plan; rooms; my bookings; membership."""

from __future__ import annotations

from flask import Blueprint

member = Blueprint("member", __name__, url_prefix="/m")
