"""Pass pages: the member's rotating QR code, booking and guest passes, lost phone."""

from __future__ import annotations

from flask import Blueprint

passes = Blueprint("passes", __name__, url_prefix="/pass")
