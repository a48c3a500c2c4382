"""Outgoing webhooks against a real local HTTP server: signed, retried with backoff after a
failure, each delivery recorded for the admin; events queued with the change, not without it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import DeliveryStatus, IdempotentRequest, Role, WebhookDelivery, utcnow
from app.services.access import passes
from app.services.access.decision import AccessRequest, decide_access
from app.services.access.keys import Keyring, generate_key
from app.services.booking import bookings
from app.services.errors import BookingConflict, Forbidden, InvalidInput
from app.services.integrations import tokens, webhooks
from app.services.notifications.outbox import OutboxPolicy
from app.services.people import retention
from tests.conftest import MONDAY, TUESDAY, hub_time


@pytest.fixture
def hub_admin(make_member, a_hub):
    return make_member(roles=[(Role.HUB_ADMIN, a_hub)])


POLICY = OutboxPolicy(max_attempts=3, first_delay=timedelta(minutes=1))


def test_booking_events_are_signed_and_delivered(
    clock, receiver, hub_admin, a_hub, a_desk, a_member
) -> None:
    endpoint = webhooks.register_endpoint(
        hub_admin, receiver.url, ["booking.created", "booking.cancelled"], [a_hub.id]
    )
    booking = bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    bookings.cancel_booking(booking.id, member_id=a_member.id)
    report = webhooks.deliver_due(policy=POLICY)
    assert len(report.sent) == 2
    events = []
    for headers, body in receiver.received:
        assert webhooks.verify(endpoint.secret, headers[webhooks.SIGNATURE_HEADER], body)
        assert not webhooks.verify("whsec_wrong", headers[webhooks.SIGNATURE_HEADER], body)
        events.append(json.loads(body))
    assert [e["type"] for e in events] == ["booking.created", "booking.cancelled"]
    assert {e["data"]["booking_id"] for e in events} == {booking.id}
    shown = webhooks.deliveries(hub_admin, endpoint.id)
    assert {(d.status, d.response_code, d.attempts) for d in shown} == {
        (DeliveryStatus.DELIVERED, 200, 1)
    }


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(
    clock, receiver, hub_admin, a_hub, a_desk, a_member
) -> None:
    endpoint = webhooks.register_endpoint(hub_admin, receiver.url, ["booking.created"], [a_hub.id])
    receiver.statuses = [500, 503]
    bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    assert webhooks.deliver_due(policy=POLICY).retrying
    assert not webhooks.deliver_due(policy=POLICY).sent  # not due again yet: backoff
    clock(utcnow() + timedelta(minutes=1, seconds=1))
    assert webhooks.deliver_due(policy=POLICY).retrying
    clock(utcnow() + timedelta(minutes=2, seconds=1))
    assert webhooks.deliver_due(policy=POLICY).sent
    (delivery,) = webhooks.deliveries(hub_admin, endpoint.id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
    )
    assert len(receiver.received) == 3
    # The same event each time: one id for the receiver to drop repeats by.
    assert len({json.loads(body)["id"] for _, body in receiver.received}) == 1


def test_no_answer_at_all_is_recorded_and_fails_after_the_last_attempt(
    clock, hub_admin, a_hub, a_desk, a_member
) -> None:
    webhooks.register_endpoint(
        hub_admin, "http://127.0.0.1:9/closed", ["booking.created"], [a_hub.id]
    )
    bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    for _ in range(POLICY.max_attempts):
        webhooks.deliver_due(policy=POLICY)
        clock(utcnow() + timedelta(hours=1))
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.response_code is None
    assert delivery.last_error


def test_a_refused_booking_queues_no_event(
    clock, receiver, hub_admin, a_hub, a_desk, make_member
) -> None:
    webhooks.register_endpoint(hub_admin, receiver.url, ["booking.created"], [a_hub.id])
    bookings.book_whole_day(make_member().id, a_desk.id, MONDAY)
    with pytest.raises(BookingConflict):
        bookings.book_whole_day(make_member().id, a_desk.id, MONDAY)
    assert db.session.query(WebhookDelivery).count() == 1


def test_endpoints_see_only_their_hubs_and_types(
    clock, receiver, hub_admin, a_hub, make_hub, make_resource, a_desk, make_member
) -> None:
    webhooks.register_endpoint(hub_admin, receiver.url, ["booking.cancelled"], [a_hub.id])
    other_desk = make_resource(make_hub())
    bookings.book_whole_day(make_member().id, a_desk.id, MONDAY)  # a type it did not ask for
    bookings.book_whole_day(make_member().id, other_desk.id, MONDAY)  # another hub
    assert db.session.query(WebhookDelivery).count() == 0


def test_registration_is_checked(hub_admin, make_hub, a_hub) -> None:
    with pytest.raises(InvalidInput):
        webhooks.register_endpoint(hub_admin, "ftp://x", ["booking.created"], [a_hub.id])
    with pytest.raises(InvalidInput):
        webhooks.register_endpoint(hub_admin, "https://x.test", ["payment.made"], [a_hub.id])
    with pytest.raises(Forbidden):
        webhooks.register_endpoint(
            hub_admin, "https://x.test", ["booking.created"], [make_hub().id]
        )
    with pytest.raises(Forbidden):
        webhooks.register_endpoint(hub_admin, "https://x.test", ["booking.created"], None)


def test_a_frontdesk_check_in_is_an_event(
    clock, receiver, hub_admin, a_hub, a_desk, a_member
) -> None:
    webhooks.register_endpoint(hub_admin, receiver.url, ["checkin.created"], [a_hub.id])
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    bookings.check_in(booking.id)
    webhooks.deliver_due(policy=POLICY)
    (event,) = [json.loads(body) for _, body in receiver.received]
    assert event["type"] == "checkin.created"
    assert event["data"]["status"] == "checked_in"


def test_a_door_check_in_is_an_event_once(
    clock, tmp_path, receiver, hub_admin, a_hub, a_desk, a_member
) -> None:
    ring = Keyring(tmp_path / "keys")
    generate_key(ring)
    clock(hub_time(a_hub, MONDAY, 9))
    webhooks.register_endpoint(hub_admin, receiver.url, ["checkin.created"], [a_hub.id])
    booking = bookings.book_whole_day(a_member.id, a_desk.id, MONDAY)
    for _ in range(2):  # the second grant of the day checks nothing in
        clock(utcnow() + timedelta(minutes=1))
        token = passes.rotating_token(ring, a_member.id).token
        assert decide_access(AccessRequest(token=token, hub_id=a_hub.id)).granted
    webhooks.deliver_due(policy=POLICY)
    (event,) = [json.loads(body) for _, body in receiver.received]
    assert event["data"]["booking_id"] == booking.id
    assert event["data"]["status"] == "checked_in"


def test_retention_purges_old_deliveries_and_idempotency_keys(
    clock, receiver, hub_admin, a_hub, a_desk, a_member, session
) -> None:
    webhooks.register_endpoint(hub_admin, receiver.url, ["booking.created"], [a_hub.id])
    issued = tokens.create_personal_token(a_member.id, "t", ["bookings:write"], 30)
    session.add(
        IdempotentRequest(
            token_id=issued.token.id, key="k", request_hash="h", status_code=201, body={}
        )
    )
    session.commit()
    bookings.book_whole_day(a_member.id, a_desk.id, TUESDAY)
    webhooks.deliver_due(policy=POLICY)
    clock(utcnow() + timedelta(days=2))
    assert retention.purge_expired(retention.Retention())["idempotent_requests"] == 1
    assert retention.purge_expired(retention.Retention())["webhook_deliveries"] == 0
    clock(utcnow() + timedelta(days=91))
    assert retention.purge_expired(retention.Retention())["webhook_deliveries"] == 1
