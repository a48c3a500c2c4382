"""The base of every form: WTForms' own messages come from Ruang's catalogue.

WTForms ships no Indonesian translation, so a bare `DataRequired()` would say "This field is
required." on an Indonesian page. Forms built on `RuangForm` look WTForms' messages up in
app/translations instead; the messages are listed below so `make translations` extracts them.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_translations, ngettext
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import FileField

from app.web.characters import edge_validators


class CatalogueTranslations:
    """What WTForms asks a form's meta for: gettext and ngettext, here from our catalogue."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


TRANSLATIONS = CatalogueTranslations()


class RuangForm(FlaskForm):
    """Every form: WTForms' messages from our catalogue, and the edge's checks on every field
    (app.web.characters) run before the field's own."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> CatalogueTranslations:
            return TRANSLATIONS

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """What a browser's form sends: fields, and uploads only for file fields. Not JSON
            (Flask-WTF would take it, with lists and objects where fields expect text)."""
            if formdata is not _Auto:
                return formdata
            if not _is_submitted() or not (request.form or request.files):
                return None
            wanted = {field.name for field in form if isinstance(field, FileField)}
            uploads = [
                (name, file) for name, file in request.files.items(multi=True) if name in wanted
            ]
            return CombinedMultiDict((MultiDict(uploads), request.form))

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            field = super().bind_field(form, unbound_field, options)
            field.validators = [*edge_validators(field), *field.validators]
            return field


def N_(message: str) -> str:
    """Mark a message for extraction only (it is translated where it is used)."""
    return message


#: WTForms' built-in field and validator messages (wtforms/locale/wtforms.pot).
WTFORMS_MESSAGES = (
    N_("Invalid field name '%s'."),
    N_("Field must be equal to %(other_name)s."),
    N_("Field must be between %(min)d and %(max)d characters long."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
    N_("Date must be at least %(min)s."),
    N_("Date must be at most %(max)s."),
    N_("Date must be between %(min)s and %(max)s."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Invalid email address."),
    N_("Invalid IP address."),
    N_("Invalid Mac address."),
    N_("Invalid URL."),
    N_("Invalid UUID."),
    N_("Invalid value, must be one of: %(values)s."),
    N_("Invalid value, can't be any of: %(values)s."),
    N_("This field cannot be edited."),
    N_("This field is disabled and cannot have a value."),
    N_("Invalid CSRF Token."),
    N_("CSRF token missing."),
    N_("CSRF failed."),
    N_("CSRF token expired."),
    N_("Invalid Choice: could not coerce."),
    N_("Choices cannot be None."),
    N_("Not a valid choice."),
    N_("Invalid choice(s): one or more data inputs could not be coerced."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid time value."),
    N_("Not a valid week value."),
    N_("Not a valid integer value."),
    N_("Not a valid decimal value."),
    N_("Not a valid float value."),
)


def _wtforms_plural_messages() -> None:  # pragma: no cover - read by pybabel, never called
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
