"""Live occupancy: per zone, room and hub, as JSON and as server-sent events."""

from __future__ import annotations

from flask import Blueprint

occupancy = Blueprint("occupancy", __name__, url_prefix="/occupancy")
