"""Pages anyone can see: the list of hubs, and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, send_from_directory
from sqlalchemy import select, text
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Hub

public = Blueprint("public", __name__)


@public.get("/")
def index() -> str:
    hubs = db.session.scalars(select(Hub).where(Hub.active).order_by(Hub.name)).all()
    return render_template("public/index.html", hubs=hubs)


@public.get("/healthz")
def healthz() -> dict[str, str]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@public.get("/favicon.ico")
def favicon() -> Response:
    """Browsers and feed readers ask for /favicon.ico whatever the page links."""
    return send_from_directory(str(current_app.static_folder), "favicon.ico", max_age=86400)
