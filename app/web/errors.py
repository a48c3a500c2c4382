"""Error pages: friendly, translated, never a stack trace; domain errors keep their status."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.messages import describe
from app.services.errors import DomainError


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _stale_form(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "errors/error.html",
            title=gettext("This form has expired"),
            message=gettext(
                "For your safety, forms expire after a while. "
                "Go back, reload the page and try again."
            ),
        ), 400

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> tuple[str, int]:
        return render_template(
            "errors/error.html", title=gettext("That did not work"), message=describe(error)
        ), error.http_status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        api = current_app.extensions.get("ruang.api_errors")
        if api is not None and request.path.startswith(api[0]):
            return api[1](error)  # the JSON API's error format (app.api.v1)
        titles = {
            400: gettext("Something in the request was not right"),
            403: gettext("You do not have access to this page"),
            404: gettext("Page not found"),
            405: gettext("This page cannot be used that way"),
            413: gettext("That file is too large"),
            429: gettext("Too many attempts"),
        }
        messages = {
            400: gettext("Go back, reload the page and try again."),
            429: gettext("Please wait a minute before trying again."),
            500: gettext("Please try again in a moment. If it keeps happening, tell the hub team."),
        }
        code = error.code or 500
        # Werkzeug's own names are English; anything unlisted gets a translated general title.
        fallback = (
            gettext("Something went wrong on our side")
            if code >= 500
            else gettext("That did not work")
        )
        return render_template(
            "errors/error.html",
            title=titles.get(code, fallback),
            message=messages.get(code, ""),
        ), code
