"""JSON API v1 under /api/v1, built with flask-smorest: each view's marshmallow schemas both
validate its input and write the OpenAPI 3.1 document at /api/v1/openapi.json (docs/api.md says
why this library). A new area (payments, events, mentoring, reports) is a module here with its
Blueprint and schemas, added to BLUEPRINTS."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, make_response, render_template, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from app.api.v1.auth import SECURITY_SCHEME, ApiAuthError
from app.api.v1.bookings import bookings
from app.api.v1.errors import ErrorSchema, domain_error_response, http_error_response
from app.api.v1.hubs_live import live
from app.api.v1.spaces import spaces
from app.converters import DATABASE_INT_MAX, DatabaseIntConverter
from app.headers import CONTENT_SECURITY_POLICY
from app.services.errors import DomainError

PREFIX = "/api/v1"
BLUEPRINTS = (spaces, bookings, live)


class RuangApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Not on the whole app (its pages keep their HTML errors): on the API's blueprints."""


def init_api_v1(app: Flask) -> None:
    from app.extensions import csrf

    app.config.update(
        API_TITLE="Ruang API",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.config.setdefault("ETAG_DISABLED", False)
    api = RuangApi(
        spec_kwargs={
            "info": {
                "description": "Bookings, passes and occupancy of Ruang hubs. Authenticate "
                "with a personal or service token: Authorization: Bearer <token>."
            }
        }
    )
    api.init_app(app)
    api.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "rpat_/rsvc_"}
    )
    api.register_converter(
        DatabaseIntConverter,
        lambda _c: {"type": "integer", "minimum": 0, "maximum": DATABASE_INT_MAX},
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=PREFIX)
        csrf.exempt(blueprint)
    app.register_blueprint(docs)
    # Errors raised before a view is chosen (no route, wrong method, an unusable character)
    # reach the app's handler: it answers under /api/ in JSON (app.web.errors).
    app.extensions["ruang.api_errors"] = (PREFIX + "/", _any_error)


def _json_errors(blueprint: Any) -> None:
    blueprint.register_error_handler(ApiAuthError, lambda error: error.response())
    blueprint.register_error_handler(DomainError, domain_error_response)
    blueprint.register_error_handler(HTTPException, http_error_response)


for _blueprint in BLUEPRINTS:  # once, at import: the blueprints serve every app made
    _json_errors(_blueprint)


def _any_error(error: Exception) -> Response:
    if isinstance(error, DomainError):
        return domain_error_response(error)
    if isinstance(error, HTTPException):
        return http_error_response(error)
    raise error


docs = Blueprint("api_docs_page", __name__, url_prefix=PREFIX)


@docs.get("/docs")
def docs_page() -> Response:
    """Swagger UI over the document, from vendored files (no CDN: the CSP allows only 'self').
    Its stylesheet draws icons as data: SVG images, so this page alone also allows images
    from data: URLs (an image cannot run script); everything else is the app's policy."""
    spec_url = request.url_root.rstrip("/") + PREFIX + "/openapi.json"
    response = make_response(render_template("api/docs.html", spec_url=spec_url))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY + "; img-src 'self' data:"
    return response
