"""Device pages: the device list per hub (status, versions, recent events) and remote unlock.

Staff of a hub see its devices and may open a reader's door from the desk; hub admins also add
devices (the new MQTT password is shown once, on the page that answers the form) and deactivate
them.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.messages import describe_access
from app.models import Adapter, Device, DeviceKind, Hub
from app.services.devices import registry as device_admin
from app.services.devices.commands import (
    CommandNotSent,
    CommandPublisher,
    DeviceCannotUnlock,
    DeviceOffline,
    NoBroker,
    NoBrokerConfigured,
    publisher_from_config,
    remote_unlock,
)
from app.services.errors import InvalidInput, NotFound
from app.services.hubs import frontdesk
from app.web.context import admin_hub, me, staff_hub, staff_required
from app.web.forms import RuangForm
from app.web.passes import clock_time

devices = Blueprint("devices", __name__, url_prefix="/devices")

FIELD_MESSAGES = {
    "device_id": _l(
        "Use lowercase letters, digits, - and _ (at most 64), not taken by another device."
    ),
    "name": _l("Give the device a name."),
    "adapter_config": _l("These settings do not fit the adapter."),
    "door": _l("This hub has no door with that name."),
    "zone": _l("This hub has no zone with that name."),
}
#: What is wrong with a Zigbee2MQTT installation's settings (InvalidInput reasons, bridges.py).
ADAPTER_MESSAGES = {
    "settings": _l('A Zigbee2MQTT installation takes only "base_topic" and "sensors".'),
    "sensors": _l('"sensors" maps each friendly name to a zone or a room.'),
    "base_topic": _l("The base topic is one topic segment: letters, digits, . _ -."),
    "base_topic_taken": _l("Another Zigbee2MQTT installation already uses this base topic."),
    "sensor_name": _l("A sensor's friendly name is letters, digits, . _ - (not bridge)."),
    "sensor_place": _l('Map each sensor to one zone or one room, e.g. {"zone": "Lobby"}.'),
    "sensor_zone": _l("A sensor is mapped to a zone this hub does not have."),
    "sensor_room": _l("A sensor is mapped to a room this hub does not have."),
    "sensor_room_zone": _l("A sensor is mapped to a room in no zone: give the room a zone."),
}


class DeviceForm(RuangForm):
    device_id = StringField(
        _l("Device id (its MQTT username)"), validators=[DataRequired(), Length(max=64)]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(DeviceKind.READER.value, _l("Door reader")),
            SelectChoice(DeviceKind.SENSOR.value, _l("Sensor")),
        ],
    )
    adapter = SelectField(
        _l("Speaks"),
        choices=[
            SelectChoice(Adapter.NATIVE.value, _l("Ruang protocol")),
            SelectChoice(Adapter.TASMOTA_GM861.value, _l("Tasmota with GM861 scanner")),
            SelectChoice(Adapter.ZIGBEE2MQTT.value, _l("Zigbee2MQTT installation")),
        ],
    )
    adapter_config = StringField(
        _l("Adapter settings (JSON)"), validators=[Optional(), Length(max=4000)]
    )
    door = StringField(_l("Door (readers)"), validators=[Optional(), Length(max=100)])
    zone = StringField(_l("Zone (sensors)"), validators=[Optional(), Length(max=100)])


@devices.record_once
def _install_publisher(state: BlueprintSetupState) -> None:
    """The command publisher: MQTT when the app has a broker, else one that says there is none."""
    state.app.extensions.setdefault("ruang.commands", publisher_from_config(state.app.config))


def command_publisher() -> CommandPublisher:
    return cast(CommandPublisher, current_app.extensions["ruang.commands"])


@devices.context_processor
def _helpers() -> dict[str, object]:
    return {"describe_access": describe_access, "clock_time": clock_time}


@devices.get("/")
@staff_required
def index() -> str | Response:
    """The hubs this user staffs; straight to the hub when there is only one."""
    hubs = frontdesk.staffed_hubs(me().staff_hub_ids())
    if len(hubs) == 1:
        return redirect(url_for("devices.hub", hub_slug=hubs[0].slug))
    return render_template("devices/index.html", hubs=hubs)


@devices.get("/<hub_slug>/")
@staff_required
def hub(hub_slug: str) -> str:
    the_hub = staff_hub(hub_slug)
    return _hub_page(the_hub, DeviceForm(formdata=None))


@devices.post("/<hub_slug>/")
@staff_required
def add(hub_slug: str) -> tuple[str, int, dict[str, str]] | str:
    """Register a device; the answer shows its MQTT password, once, and is never cached."""
    the_hub = admin_hub(hub_slug)
    form = DeviceForm()
    if form.validate_on_submit():
        try:
            issued = device_admin.register_device(the_hub, _details(form), me())
        except InvalidInput as error:
            field = str(error.details.get("field", ""))
            target = getattr(form, "adapter_config" if field == "adapter_config" else field, None)
            reason = str(error.details.get("reason", ""))
            message = str(ADAPTER_MESSAGES.get(reason) or FIELD_MESSAGES.get(field, error.message))
            if target is not None:
                target.errors = [*target.errors, message]
            else:
                form.form_errors.append(message)
        else:
            page = _hub_page(the_hub, DeviceForm(formdata=None), issued)
            return page, 201, {"Cache-Control": "no-store"}
    return _hub_page(the_hub, form), 422, {}


@devices.post("/<hub_slug>/<device_id>/deactivate")
@staff_required
def deactivate(hub_slug: str, device_id: str) -> Response:
    the_hub = admin_hub(hub_slug)
    device = _device(the_hub, device_id)
    device_admin.set_active(device, False, me())
    flash(
        gettext(
            "%(name)s is deactivated. It can no longer log in once the broker reloads its "
            "password file.",
            name=device.name,
        ),
        "success",
    )
    return redirect(url_for("devices.hub", hub_slug=the_hub.slug))


@devices.post("/<hub_slug>/<device_id>/unlock")
@staff_required
def unlock(hub_slug: str, device_id: str) -> Response:
    """Open a reader's door from the front desk (audited as remote_unlock)."""
    the_hub = staff_hub(hub_slug)
    device = _device(the_hub, device_id)
    try:
        done = remote_unlock(device, me(), command_publisher())
    except NoBrokerConfigured:
        flash(
            gettext("No MQTT broker is configured, so doors cannot be opened from here."), "error"
        )
    except CommandNotSent:
        flash(gettext("The broker did not take the command: the door stays closed."), "error")
    except DeviceCannotUnlock:
        flash(gettext("%(name)s is not an active door reader.", name=device.name), "error")
    except DeviceOffline:
        flash(
            gettext("%(name)s is offline: the door cannot be opened from here.", name=device.name),
            "error",
        )
    else:
        flash(
            gettext(
                "Unlock sent to %(name)s. If the reader gets it within %(expiry)s seconds, it "
                "opens the door for %(seconds)s seconds.",
                name=device.name,
                expiry=done.expires_in,
                seconds=done.open_seconds,
            ),
            "success",
        )
    return redirect(url_for("devices.hub", hub_slug=the_hub.slug))


def _hub_page(
    the_hub: Hub, form: DeviceForm, issued: device_admin.IssuedCredentials | None = None
) -> str:
    listed = device_admin.list_devices(the_hub)
    return render_template(
        "devices/hub.html",
        hub=the_hub,
        devices=listed,
        events={device.id: device_admin.recent_events(device) for device in listed},
        form=form,
        can_admin=me().can_administer(the_hub.id),
        issued=issued,
        has_broker=not isinstance(command_publisher(), NoBroker),
    )


def _device(the_hub: Hub, device_id: str) -> Device:
    try:
        return device_admin.device_of(the_hub, device_id)
    except NotFound:
        abort(404)


def _details(form: DeviceForm) -> device_admin.DeviceDetails:
    return device_admin.DeviceDetails(
        device_id=(form.device_id.data or "").strip(),
        name=form.name.data or "",
        kind=DeviceKind(form.kind.data),
        adapter=Adapter(form.adapter.data),
        adapter_config=device_admin.parse_adapter_config(form.adapter_config.data or ""),
        door_name=form.door.data or "",
        zone_name=form.zone.data or "",
    )
