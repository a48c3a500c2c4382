"""Device pages: the device list per hub (status, versions, recent events) and remote unlock."""

from __future__ import annotations

from flask import Blueprint

devices = Blueprint("devices", __name__, url_prefix="/devices")
