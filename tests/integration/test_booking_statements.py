"""Booking is a handful of statements: what the rules need, loaded once with the locks, and
never a lazy load (a relationship or an expired attribute loaded on access) on the way.

The statement list is the contract: a new rule that needs data adds it to the locking queries
(placement.lock_for_booking) or to its own single query, and changes the count here on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db
from app.models import Resource, User
from app.services.booking import bookings
from tests.conftest import MONDAY, hub_time


class LazyLoad(AssertionError):
    pass


@contextmanager
def statements_without_lazy_loads() -> Iterator[list[str]]:
    """Every SQL statement run inside, and LazyLoad raised where the ORM loads on access."""
    seen: list[str] = []

    def on_orm_execute(state: ORMExecuteState) -> None:
        if state.lazy_loaded_from is not None or state.is_column_load:
            raise LazyLoad(f"loaded on access: {state.statement}")

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            seen.append(statement)

    engine = db.engine
    event.listen(Session, "do_orm_execute", on_orm_execute)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(Session, "do_orm_execute", on_orm_execute)
        event.remove(engine, "before_cursor_execute", on_statement)


def test_lazy_loads_are_caught(a_desk: Resource) -> None:
    """The guard itself: touching an unloaded relationship inside it raises."""
    db.session.expire(a_desk)
    with pytest.raises(LazyLoad), statements_without_lazy_loads():
        _ = a_desk.floor.name


def test_booking_a_desk_is_twelve_statements(clock, a_desk: Resource, a_member: User) -> None:
    clock(hub_time(a_desk.hub, MONDAY, 7))
    desk_id, member_id = a_desk.id, a_member.id
    db.session.expire_all()  # as in a request: nothing of the member or the desk is loaded
    with statements_without_lazy_loads() as statements:
        bookings.book_whole_day(member_id, desk_id, MONDAY)
    kinds = [s.split()[0] for s in statements]
    # member (locked), memberships with plans, desk with floor and hub (locked), the hub's
    # closures and opening hours; one desk a day, the month's quota, overlaps; the insert;
    # then the member's notification opt-outs and the confirmation queued in the outbox; the
    # webhook endpoints that may want the event (none here, so nothing is queued for them).
    assert kinds == ["SELECT"] * 8 + ["INSERT", "SELECT", "INSERT", "SELECT"], statements


def test_booking_a_room_is_eleven_statements(clock, a_room: Resource, a_member: User) -> None:
    clock(hub_time(a_room.hub, MONDAY, 7))
    room_id, member_id = a_room.id, a_member.id
    start = hub_time(a_room.hub, MONDAY, 9)
    end = hub_time(a_room.hub, MONDAY, 10)
    db.session.expire_all()
    with statements_without_lazy_loads() as statements:
        bookings.book(member_id, room_id, start, end)
    # Rooms skip the one-desk-a-day count.
    assert [s.split()[0] for s in statements] == ["SELECT"] * 7 + [
        "INSERT",
        "SELECT",
        "INSERT",
        "SELECT",
    ], statements
