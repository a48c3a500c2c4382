"""Which characters text from the outside may hold, checked once at the edge.

NUL cannot be stored in a PostgreSQL text column (the driver fails, a 500) and control characters
are invisible in every page and export they would reach. A request carrying them anywhere (path,
query, form) is refused with a 400 before any view runs; a form field also refuses tabs and line
breaks unless it is a textarea, with a form error. Invalid UTF-8 arrives decoded as U+FFFD, so it
is refused with them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from wtforms import Field, Form
from wtforms.fields import IntegerField
from wtforms.validators import StopValidation
from wtforms.widgets import TextArea

from app.converters import fits_database

#: C0 controls but tab and line breaks, DEL, C1 controls, surrogates, what a decoder writes for
#: bytes that were not UTF-8 (U+FFFD), and the two non-characters U+FFFE and U+FFFF.
_UNUSABLE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd-\uffff"
UNUSABLE = re.compile(f"[{_UNUSABLE}]")
UNUSABLE_IN_ONE_LINE = re.compile(rf"[{_UNUSABLE}\t\n\r]")


def holds_unusable(text: str, multiline: bool = True) -> bool:
    """True if `text` has a character no input may hold (tab, line breaks: unless `multiline`)."""
    return (UNUSABLE if multiline else UNUSABLE_IN_ONE_LINE).search(text) is not None


def refuse_unusable_requests(app: Flask) -> None:
    """A 400 for any request with an unusable character in its path, query or form."""

    @app.before_request
    def _refuse() -> None:
        texts = [request.path]
        for values in (request.args, request.form):
            for key, value in values.items(multi=True):
                texts += (key, value)
        if any(holds_unusable(text) for text in texts):
            abort(400)


class UsableText:
    """A form field's text holds no unusable character (line breaks only in a textarea)."""

    message = _l("Remove the control characters or line breaks from this field.")

    def __call__(self, form: Form, field: Field) -> None:
        multiline = isinstance(field.widget, TextArea)
        for value in field.raw_data or ():
            if isinstance(value, str) and holds_unusable(value, multiline):
                raise StopValidation(str(self.message))


class StorableInteger:
    """A form's integer fits the database's integer columns."""

    message = _l("That number is too large.")

    def __call__(self, form: Form, field: Field) -> None:
        if isinstance(field.data, int) and not fits_database(field.data):
            raise StopValidation(str(self.message))


def edge_validators(field: Field) -> list[Any]:
    """The checks every field of every form gets before its own validators."""
    checks: list[Any] = [UsableText()]
    if isinstance(field, IntegerField):
        checks.append(StorableInteger())
    return checks
