"""Live occupancy: per zone, room and hub, as a page, as JSON and as server-sent events.

Staff of the hub only. The stream polls the read model every OCCUPANCY_POLL_SECONDS (2 s) and
sends an `occupancy` event when something changed, a comment line now and then so proxies keep
the connection, and ends after OCCUPANCY_STREAM_SECONDS (5 minutes): the browser's EventSource
reconnects by itself, and a sync web worker is never held for long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, stream_with_context

from app.extensions import db
from app.services.devices.occupancy import hub_occupancy
from app.web.context import staff_hub, staff_required

occupancy = Blueprint("occupancy", __name__, url_prefix="/occupancy")

#: Seconds between keep-alive comments on a quiet stream.
KEEP_ALIVE_SECONDS = 15.0
#: How long the browser waits before reconnecting a closed stream, in milliseconds.
RETRY_MS = 3000


@occupancy.get("/<hub_slug>/")
@staff_required
def page(hub_slug: str) -> str:
    """The live widget on a page of its own (a screen at the desk), readable without scripts."""
    hub = staff_hub(hub_slug)
    return render_template("occupancy/hub.html", hub=hub, live=hub_occupancy(hub.id))


@occupancy.get("/<hub_slug>.json")
@staff_required
def hub_json(hub_slug: str) -> Response:
    """Occupancy now, per zone, room and hub, with the last hours in 5-minute buckets."""
    response = jsonify(hub_occupancy(staff_hub(hub_slug).id).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@occupancy.get("/<hub_slug>/stream")
@staff_required
def stream(hub_slug: str) -> Response:
    """Server-sent events: the hub's occupancy at once, then whenever it changes."""
    hub_id = staff_hub(hub_slug).id
    poll = float(current_app.config.get("OCCUPANCY_POLL_SECONDS", 2.0))
    lifetime = float(current_app.config.get("OCCUPANCY_STREAM_SECONDS", 300.0))
    response = Response(
        stream_with_context(_events(hub_id, poll, lifetime)), mimetype="text/event-stream"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events through at once
    return response


def _events(hub_id: int, poll: float, lifetime: float) -> Iterator[str]:
    """The event stream. Closing the response (the client went away) stops it at its next
    yield; each poll ends its read transaction, so no connection is held while it sleeps."""
    yield f"retry: {RETRY_MS}\n\n"
    sent: str | None = None
    quiet = 0.0
    try:
        for number in range(max(1, int(lifetime / poll))):
            data = hub_occupancy(hub_id).as_json()
            db.session.rollback()  # read-only: end the transaction, see new reports next time
            if (state := _comparable(data)) != sent:
                sent, quiet = state, 0.0
                yield f"event: occupancy\nid: {number}\ndata: {json.dumps(data)}\n\n"
            elif quiet >= KEEP_ALIVE_SECONDS:
                quiet = 0.0
                yield ": keep-alive\n\n"
            time.sleep(poll)
            quiet += poll
    finally:
        db.session.rollback()


def _comparable(data: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if k != "generated_at"}, sort_keys=True)
