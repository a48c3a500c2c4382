"""Server-rendered blueprints, one per audience."""

from __future__ import annotations

from flask import Flask

from app.web.public import public


def register_web(app: Flask) -> None:
    from app.extensions import db, login_manager
    from app.models import User

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    app.register_blueprint(public)
