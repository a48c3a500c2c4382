"""A member's bookings: create (with an Idempotency-Key), list own, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from app.api.v1.auth import caller, member_id, requires
from app.api.v1.errors import domain_error_body
from app.api.v1.schemas import PageArgs, PageSchema, an_id, cursor_id, encode_cursor
from app.extensions import db
from app.models import Booking, BookingSource
from app.services.booking.bookings import book, book_whole_day, cancel_booking
from app.services.booking.placement import get_or_404
from app.services.errors import NotFound
from app.services.integrations.idempotency import Answer, answer_once
from app.services.integrations.tokens import Scope

bookings = Blueprint("api_bookings", __name__, description="The member's own bookings")

KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,100}$"


class BookingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    resource_id = ma.fields.Integer(required=True)
    start = ma.fields.AwareDateTime(required=True, attribute="start_at")
    end = ma.fields.AwareDateTime(required=True, attribute="end_at")
    status = ma.fields.String(required=True)
    source = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    checked_in_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class BookingPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(BookingSchema), required=True)


class NewBookingSchema(ma.Schema):
    resource_id = an_id()
    day = ma.fields.Date(
        load_default=None, metadata={"description": "For whole-day resources: the local day"}
    )
    start = ma.fields.AwareDateTime(load_default=None, format="iso")
    end = ma.fields.AwareDateTime(load_default=None, format="iso")

    @ma.validates_schema
    def _day_or_times(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("day") is None and (data.get("start") is None or data.get("end") is None):
            raise ma.ValidationError("give a day, or a start and an end", "start")


class IdempotencyHeader(ma.Schema):
    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Regexp(KEY_PATTERN),
        metadata={"description": "Repeat a request safely: the same key gives the same answer"},
    )


@bookings.route("/bookings")
class Bookings(MethodView):
    @requires(bookings, Scope.BOOKINGS_READ)
    @bookings.arguments(PageArgs, location="query")
    @bookings.response(200, BookingPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The member's bookings, newest first."""
        before = cursor_id(args["cursor"])
        stmt = select(Booking).where(Booking.member_id == member_id())
        if before is not None:
            stmt = stmt.where(Booking.id < before)
        rows = list(db.session.scalars(stmt.order_by(Booking.id.desc()).limit(args["limit"] + 1)))
        more = len(rows) > args["limit"]
        rows = rows[: args["limit"]]
        return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more else None}

    @requires(bookings, Scope.BOOKINGS_WRITE)
    @bookings.arguments(IdempotencyHeader, location="headers")
    @bookings.arguments(NewBookingSchema)
    @bookings.response(201, BookingSchema)
    def post(self, headers: dict[str, Any], body: dict[str, Any]) -> Any:
        """Book a resource: a whole `day`, or from `start` to `end` (409 when it is taken)."""
        member = member_id()
        key = headers["idempotency_key"]
        if key is None:
            return _create(member, body)
        answer = answer_once(
            caller().token_id,
            key,
            request.get_json(silent=True),
            lambda: Answer(201, BookingSchema().dump(_create(member, body))),
            lambda error: Answer(error.http_status, domain_error_body(error)),
        )
        # Already in its JSON form (stored that way): sent as it is, not serialised again.
        response = jsonify(answer.body)
        response.status_code = answer.status_code
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response


def _create(member: int, body: dict[str, Any]) -> Booking:
    if body["day"] is not None:
        return book_whole_day(member, body["resource_id"], body["day"], source=BookingSource.API)
    start: datetime = body["start"]
    end: datetime = body["end"]
    return book(member, body["resource_id"], start, end, source=BookingSource.API)


@bookings.route("/bookings/<int:booking_id>")
class OneBooking(MethodView):
    @requires(bookings, Scope.BOOKINGS_READ)
    @bookings.response(200, BookingSchema)
    def get(self, booking_id: int) -> Any:
        booking = get_or_404(Booking, booking_id)
        if booking.member_id != member_id():
            raise NotFound("no such booking", id=booking_id)
        return booking


@bookings.route("/bookings/<int:booking_id>/cancel")
class CancelBooking(MethodView):
    @requires(bookings, Scope.BOOKINGS_WRITE)
    @bookings.response(200, BookingSchema)
    def post(self, booking_id: int) -> Any:
        """Cancel one of the member's bookings (the hub's cut-off applies)."""
        return cancel_booking(booking_id, member_id=member_id())
