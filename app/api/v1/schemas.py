"""Request and response schemas shared by the API's modules (each module keeps its own)."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from marshmallow import validate

from app.converters import DATABASE_INT_MAX
from app.services.errors import InvalidInput


def an_id() -> ma.fields.Integer:
    """A required id in a request body, no larger than an id column holds."""
    return ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=DATABASE_INT_MAX)
    )


class PageArgs(ma.Schema):
    """Cursor pagination: pass back `next_cursor` to get the following page."""

    cursor = ma.fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,24}$"))
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a page continues after (newest first: ids below it); ValidationError if bad."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        value = int(text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ma.ValidationError("not a cursor from this API", "cursor") from exc
    if not 1 <= value <= DATABASE_INT_MAX:
        raise ma.ValidationError("not a cursor from this API", "cursor")
    return value


def cursor_id(cursor: str | None) -> int | None:
    """`decode_cursor` for a view: a bad cursor is invalid input (422)."""
    try:
        return decode_cursor(cursor)
    except ma.ValidationError as exc:
        raise InvalidInput("not a cursor from this API", field="cursor") from exc


class PageSchema(ma.Schema):
    next_cursor = ma.fields.String(allow_none=True, required=True)
