"""The app as gunicorn serves it for scripts/bench/api.py, plus one empty route: the ceiling of
a request through the same app (hooks, headers, the database session's teardown) doing nothing."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from app import create_app


def create() -> Flask:
    app = create_app()

    @app.get("/bench/empty")
    def empty() -> ResponseReturnValue:
        return jsonify({})

    return app
