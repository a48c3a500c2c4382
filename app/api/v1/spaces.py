"""Hubs, floors, resources and availability: what a member may book, and when."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from app.api.v1.auth import caller, requires
from app.extensions import db
from app.models import Floor, Hub, Resource
from app.services.booking import availability
from app.services.booking.placement import get_or_404
from app.services.errors import InvalidInput, NotFound
from app.services.integrations.tokens import Scope

spaces = Blueprint("api_spaces", __name__, description="Hubs, floors, resources, availability")


class HubSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    slug = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    province = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    kecamatan = ma.fields.String(required=True)
    address = ma.fields.String(required=True)


class FloorSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    hub_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.Integer(required=True)


class ResourceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    floor_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    booking_mode = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True)
    slot_minutes = ma.fields.Integer(required=True)
    min_minutes = ma.fields.Integer(required=True)
    max_minutes = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True)


class SlotSchema(ma.Schema):
    start = ma.fields.AwareDateTime(required=True)
    end = ma.fields.AwareDateTime(required=True)
    seats_free = ma.fields.Integer(required=True)


class ResourceDaySchema(ma.Schema):
    resource_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    seats_free = ma.fields.Integer(required=True)
    slots = ma.fields.List(ma.fields.Nested(SlotSchema), required=True)


class FloorDaySchema(ma.Schema):
    floor_id = ma.fields.Integer(required=True)
    hub_id = ma.fields.Integer(required=True)
    day = ma.fields.Date(required=True)
    opens_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    closes_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    resources = ma.fields.List(ma.fields.Nested(ResourceDaySchema), required=True)


class DayArgs(ma.Schema):
    day = ma.fields.Date(required=True, metadata={"description": "The hub's local day"})


class RangeArgs(ma.Schema):
    first = ma.fields.Date(required=True)
    last = ma.fields.Date(required=True)


class RangeDaySchema(ResourceDaySchema):
    day = ma.fields.Date(required=True)


DAY_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


def _in_range(day: date) -> date:
    if not DAY_RANGE.min <= day <= DAY_RANGE.max:
        raise InvalidInput("choose a day between 2000 and 2100", field="day")
    return day


def active_hub_or_404(hub_id: int) -> Hub:
    hub = db.session.get(Hub, hub_id)
    if hub is None or not hub.active:
        raise NotFound("no such hub", id=hub_id)
    return hub


@spaces.route("/hubs")
class Hubs(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.response(200, HubSchema(many=True))
    def get(self) -> Any:
        """Active hubs, by city and name."""
        return db.session.scalars(select(Hub).where(Hub.active).order_by(Hub.city, Hub.name))


@spaces.route("/hubs/<int:hub_id>")
class OneHub(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.response(200, HubSchema)
    def get(self, hub_id: int) -> Any:
        return active_hub_or_404(hub_id)


@spaces.route("/hubs/<int:hub_id>/floors")
class Floors(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.response(200, FloorSchema(many=True))
    def get(self, hub_id: int) -> Any:
        return active_hub_or_404(hub_id).floors


@spaces.route("/floors/<int:floor_id>/resources")
class Resources(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.response(200, ResourceSchema(many=True))
    def get(self, floor_id: int) -> Any:
        floor = get_or_404(Floor, floor_id)
        active_hub_or_404(floor.hub_id)
        return floor.resources


@spaces.route("/floors/<int:floor_id>/availability")
class FloorAvailability(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.etag
    @spaces.arguments(DayArgs, location="query")
    @spaces.response(200, FloorDaySchema)
    def get(self, args: dict[str, Any], floor_id: int) -> Any:
        """Every resource of the floor on a local day, with free slots (ETag: poll cheaply)."""
        floor = get_or_404(Floor, floor_id)
        active_hub_or_404(floor.hub_id)
        view = availability.floor_day(floor_id, _in_range(args["day"]), caller().member_id)
        opening = view.opening
        return {
            "floor_id": view.floor_id,
            "hub_id": view.hub_id,
            "day": view.day,
            "opens_at": opening[0] if opening else None,
            "closes_at": opening[1] if opening else None,
            "resources": view.resources,
        }


@spaces.route("/resources/<int:resource_id>/availability")
class ResourceAvailability(MethodView):
    @requires(spaces, Scope.HUBS_READ)
    @spaces.etag
    @spaces.arguments(RangeArgs, location="query")
    @spaces.response(200, RangeDaySchema(many=True))
    def get(self, args: dict[str, Any], resource_id: int) -> Any:
        """One resource for each local day from `first` to `last` (at most 62 days)."""
        resource = get_or_404(Resource, resource_id)
        active_hub_or_404(resource.floor.hub_id)
        first, last = _in_range(args["first"]), _in_range(args["last"])
        days = availability.resource_days(resource_id, first, last, caller().member_id)
        return [
            {**_fields(day), "day": first.fromordinal(first.toordinal() + i)}
            for i, day in enumerate(days)
        ]


def _fields(day: availability.ResourceDay) -> dict[str, Any]:
    return {
        "resource_id": day.resource_id,
        "name": day.name,
        "state": day.state.value,
        "seats_free": day.seats_free,
        "slots": day.slots,
    }
