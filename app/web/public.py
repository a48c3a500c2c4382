"""Pages anyone can see: the list of hubs, and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select, text

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
