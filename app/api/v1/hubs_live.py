"""The member's pass, a hub's live occupancy, and (staff of the hub) its access events and
check-ins."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.v1.auth import check_hub, member_id, requires
from app.api.v1.schemas import PageArgs, PageSchema, cursor_id, encode_cursor
from app.api.v1.spaces import active_hub_or_404
from app.services.access.passes import rotating_token
from app.services.devices.occupancy import hub_occupancy
from app.services.integrations import listings
from app.services.integrations.tokens import Scope

live = Blueprint("api_live", __name__, description="Passes, occupancy, access events")


class PassSchema(ma.Schema):
    token = ma.fields.String(required=True, metadata={"description": "Show it as a QR code"})
    pass_id = ma.fields.Integer(required=True)
    valid_from = ma.fields.AwareDateTime(required=True)
    valid_until = ma.fields.AwareDateTime(required=True)


class ZoneSchema(ma.Schema):
    id = ma.fields.Integer(required=True, attribute="zone_id")
    name = ma.fields.String(required=True)
    floor = ma.fields.String(required=True)
    capacity = ma.fields.Integer(allow_none=True, required=True)
    people = ma.fields.Integer(allow_none=True, required=True)
    present = ma.fields.Boolean(allow_none=True, required=True)
    full = ma.fields.Boolean(required=True)
    updated_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class OccupancySchema(ma.Schema):
    hub_id = ma.fields.Integer(required=True)
    people = ma.fields.Integer(allow_none=True, required=True)
    present = ma.fields.Boolean(allow_none=True, required=True)
    zones = ma.fields.List(ma.fields.Nested(ZoneSchema), required=True)


class AccessEventSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    door_id = ma.fields.Integer(allow_none=True, required=True)
    member_id = ma.fields.Integer(allow_none=True, required=True)
    direction = ma.fields.String(required=True)
    granted = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    decided_at = ma.fields.AwareDateTime(required=True)


class AccessEventPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(AccessEventSchema), required=True)


class CheckInSchema(ma.Schema):
    booking_id = ma.fields.Integer(required=True, attribute="id")
    resource_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(required=True)
    checked_in_at = ma.fields.AwareDateTime(required=True)


class CheckInPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CheckInSchema), required=True)


@live.route("/me/pass")
class MyPass(MethodView):
    @requires(live, Scope.PASS_READ)
    @live.response(200, PassSchema)
    def get(self) -> Any:
        """The member's current rotating pass code (valid a short while)."""
        return rotating_token(current_app.extensions["ruang.keyring"], member_id())


@live.route("/hubs/<int:hub_id>/occupancy")
class Occupancy(MethodView):
    @requires(live, Scope.OCCUPANCY_READ)
    @live.etag
    @live.response(200, OccupancySchema)
    def get(self, hub_id: int) -> Any:
        """People in the hub now, per zone (ETag: poll cheaply)."""
        active_hub_or_404(hub_id)
        return hub_occupancy(hub_id, hours=1)


@live.route("/hubs/<int:hub_id>/access-events")
class AccessEvents(MethodView):
    @requires(live, Scope.ACCESS_READ)
    @live.arguments(PageArgs, location="query")
    @live.response(200, AccessEventPageSchema)
    def get(self, args: dict[str, Any], hub_id: int) -> Any:
        """The hub's access decisions, newest first (staff of the hub)."""
        active_hub_or_404(hub_id)
        check_hub(hub_id)
        page = listings.access_events(hub_id, cursor_id(args["cursor"]), args["limit"])
        return _paged(page)


@live.route("/hubs/<int:hub_id>/check-ins")
class CheckIns(MethodView):
    @requires(live, Scope.ACCESS_READ)
    @live.arguments(PageArgs, location="query")
    @live.response(200, CheckInPageSchema)
    def get(self, args: dict[str, Any], hub_id: int) -> Any:
        """The hub's checked-in bookings, newest first (staff of the hub)."""
        active_hub_or_404(hub_id)
        check_hub(hub_id)
        return _paged(listings.check_ins(hub_id, cursor_id(args["cursor"]), args["limit"]))


def _paged(page: Any) -> dict[str, Any]:
    more = page.more and bool(page.items)
    return {"items": page.items, "next_cursor": encode_cursor(page.items[-1].id) if more else None}
