"""Calendar feeds for calendar apps (no log-in: the secret address is the key), and one
booking as an .ics download for the logged-in member."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import login_required
from werkzeug.wrappers import Response

from app.services.calendars import feeds as calendar_feeds
from app.web.context import me

feeds = Blueprint("feeds", __name__, url_prefix="/calendar")


@feeds.get("/<token>.ics")
def member_feed(token: str) -> Response:
    return _ics(calendar_feeds.member_feed(_secret(), token), "ruang.ics")


@feeds.get("/<token>/rooms/<int:resource_id>.ics")
def room_feed(token: str, resource_id: int) -> Response:
    return _ics(calendar_feeds.room_feed(_secret(), token, resource_id), "ruang-room.ics")


@feeds.get("/bookings/<int:booking_id>.ics")
@login_required
def booking_file(booking_id: int) -> Response:
    content = calendar_feeds.booking_ics(booking_id, member_id=me().id)
    if content is None:
        abort(404)
    return _ics(content, f"ruang-booking-{booking_id}.ics", download=True)


def _ics(content: bytes, filename: str, *, download: bool = False) -> Response:
    response = current_app.response_class(content, mimetype="text/calendar")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])
