"""Forms for members: book a desk-day, book a room slot range, book a recurring series."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
)
from wtforms.widgets import HiddenInput

from app.models import Hub, Resource
from app.services.booking.recurring import MAX_OCCURRENCES, Frequency
from app.web.forms import RuangForm

#: At most this many lengths are offered in the length select.
MAX_LENGTH_CHOICES = 24


class DeskDayForm(RuangForm):
    """The one-button form on a desk: book it (or wait for it) for a whole day."""

    resource_id = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    day = DateField(widget=HiddenInput(), validators=[DataRequired()])


class RoomBookingForm(RuangForm):
    """A slot range on one day: the first slot and how long."""

    start = SelectField(_l("Start"), validators=[InputRequired()])
    minutes = SelectField(_l("Length"), coerce=int, validators=[InputRequired()])


class SeriesForm(RoomBookingForm):
    """The same slot range repeated daily or weekly, until a date or a number of times."""

    first_day = DateField(_l("First date"), validators=[InputRequired()])
    frequency = SelectField(
        _l("Repeat"),
        choices=[
            SelectChoice(Frequency.WEEKLY.value, _l("Every week")),
            SelectChoice(Frequency.DAILY.value, _l("Every day")),
        ],
        default=Frequency.WEEKLY.value,
    )
    ends = RadioField(
        _l("Ends"),
        choices=[
            SelectChoice("count", _l("After a number of times")),
            SelectChoice("until", _l("On a date")),
        ],
        default="count",
    )
    count = IntegerField(
        _l("Number of times"),
        default=4,
        validators=[Optional(), NumberRange(min=1, max=MAX_OCCURRENCES)],
    )
    until = DateField(_l("Last date"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        """Besides each field's checks: the chosen way of ending needs its value."""
        valid = super().validate(extra_validators)
        if self.ends.data == "count" and self.count.data is None and not self.count.errors:
            self.count.errors.append(gettext("Say how many times."))
            valid = False
        if self.ends.data == "until" and not self.until.errors:
            if self.until.data is None:
                self.until.errors.append(gettext("Choose the last date."))
                valid = False
            elif self.first_day.data and self.until.data < self.first_day.data:
                self.until.errors.append(
                    gettext("The last date must be on or after the first date.")
                )
                valid = False
        return valid


def slot_starts(
    hub: Hub, resource: Resource, opening: tuple[datetime, datetime] | None
) -> dict[str, datetime]:
    """Each slot start of the opening day by its local `HH:MM`, in order."""
    if opening is None:
        return {}
    step = timedelta(minutes=resource.slot_minutes)
    starts: dict[str, datetime] = {}
    instant = opening[0]
    while instant + step <= opening[1]:
        starts[f"{instant.astimezone(hub.zone):%H:%M}"] = instant
        instant += step
    return starts


def series_start_times(hub: Hub, resource: Resource, near: date) -> dict[str, datetime]:
    """Slot start times (local `HH:MM`) of any opening day in the week from `near`, in order."""
    times: dict[str, datetime] = {}
    for offset in range(7):
        times.update(
            slot_starts(hub, resource, hub.opening_interval(near + timedelta(days=offset)))
        )
    return dict(sorted(times.items()))


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)s min", minutes=rest)
    if not rest:
        return gettext("%(hours)s h", hours=hours)
    return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)


def fill_room_choices(
    form: RoomBookingForm, starts: dict[str, datetime], free: set[datetime], resource: Resource
) -> None:
    """Offer every slot start (taken ones marked) and the lengths the resource allows."""
    taken = gettext("taken")
    form.start.choices = [
        SelectChoice(label, label if instant in free else f"{label} ({taken})")
        for label, instant in starts.items()
    ]
    lengths = range(resource.min_minutes, resource.max_minutes + 1, resource.slot_minutes)
    form.minutes.choices = [
        SelectChoice(minutes, duration_label(minutes))
        for minutes in list(lengths)[:MAX_LENGTH_CHOICES]
    ]


def preselect(form: RoomBookingForm, **values: Any) -> None:
    """Put values from the query string into a form that was not posted."""
    for name, value in values.items():
        if value is not None and not form.is_submitted():
            getattr(form, name).data = value
