"""Forms for API tokens (a member's own, an integration's) and webhook endpoints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.integrations.tokens import MAX_LIFETIME, SERVICE_SCOPES, Scope
from app.services.integrations.webhooks import EVENT_TYPES
from app.web.forms import RuangForm


def _checkboxes(label: str, choices: list[str]) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=[SelectChoice(c, c) for c in choices],
        validators=[DataRequired()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class TokenForm(RuangForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    scopes = _checkboxes(_l("Scopes"), [s.value for s in Scope])
    expires_in_days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[DataRequired(), NumberRange(1, MAX_LIFETIME.days)],
    )


class ServiceTokenForm(TokenForm):
    scopes = _checkboxes(_l("Scopes"), sorted(s.value for s in SERVICE_SCOPES))
    hub_ids = SelectMultipleField(
        _l("Hubs"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class WebhookForm(RuangForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=500)])
    event_types = _checkboxes(_l("Events"), list(EVENT_TYPES))
    hub_ids = SelectMultipleField(
        _l("Hubs"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
