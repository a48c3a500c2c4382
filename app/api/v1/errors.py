"""One error format for the whole API: {"code", "message", "errors": {field: [messages]}}.

Domain errors keep their own code and status (409 for conflicts), in the words app.messages
gives them; HTTP errors (401, 403, 404, 422 from schema validation, 429) take the same shape.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from app.messages import describe
from app.services.errors import DomainError

#: Stable codes for HTTP errors that are no domain error.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    428: "precondition_required",
    429: "rate_limited",
}


class ErrorSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "A stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "In the caller's language"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Messages per field, for invalid input"},
    )


def error_response(
    status: int,
    code: str,
    message: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    response = jsonify({"code": code, "message": message, "errors": errors or {}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def domain_error_body(error: DomainError) -> dict[str, Any]:
    field = error.details.get("field")
    errors = {str(field): [describe(error)]} if field else {}
    return {"code": error.code, "message": describe(error), "errors": errors}


def domain_error_response(error: DomainError) -> Response:
    response = jsonify(domain_error_body(error))
    response.status_code = error.http_status
    return response


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    data: dict[str, Any] = getattr(error, "data", None) or {}
    errors = _field_errors(data.get("messages", {}))
    headers = dict(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="ruang"')
    message = data.get("message") or error.description or error.name
    return error_response(
        status,
        HTTP_CODES.get(status, "error" if status < 500 else "server_error"),
        str(message),
        errors,
        headers,
    )


def _field_errors(messages: Any) -> dict[str, list[str]]:
    """webargs' {location: {field: [messages]}} as {field: [messages]} (nested: dotted)."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix, []).extend(value)
        else:
            flat.setdefault(prefix, []).append(str(value))

    if isinstance(messages, dict):
        for _location, fields in messages.items():
            walk("", fields)
    return flat
