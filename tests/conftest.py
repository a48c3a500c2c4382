"""Fixtures: an app per database backend (migrated once per session), a rolled-back transaction
per test, and factories for the domain objects (each a `make_*` factory and a ready `a_*`).

Factories commit (inside the test's outer transaction that is a savepoint release), so a service
that refuses and rolls back its own transaction never takes the test's data with it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.extensions import db
from app.models import (
    Booking,
    BookingMode,
    Floor,
    Hub,
    Membership,
    Plan,
    Resource,
    ResourceKind,
    Role,
    RoleGrant,
    User,
)
from app.services.access import directory as access_directory
from app.services.hubs.calendar import set_opening_hours
from tests.broker import Broker
from tests.databases import BACKENDS, fresh_database
from tests.mail import MailCatcher

#: Shared fixtures kept in their own modules.
pytest_plugins = ("tests.billing",)

#: A Monday. Tests freeze the clock here unless they say otherwise.
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
SATURDAY = MONDAY + timedelta(days=5)


def hub_time(hub: Hub, day: date, hour: int, minute: int = 0) -> datetime:
    """Wall-clock `hour:minute` on local `day` at `hub`, as a UTC instant."""
    return hub.local_datetime(day, time(hour, minute))


def make_test_app(database_url: str, instance_dir: Path, **config: Any) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",  # explicit, so Flask-Limiter does not warn
            # Forms are tested without CSRF tokens; tests/web/test_security.py turns it on.
            "WTF_CSRF_ENABLED": False,
            # argon2id still, at a cost that keeps hundreds of logins fast.
            "RUANG_ARGON2_TIME_COST": 1,
            "RUANG_ARGON2_MEMORY_KIB": 1024,
            **config,
        },
        environ={"RUANG_INSTANCE_DIR": str(instance_dir), "SECRET_KEY": "test-secret"},
    )
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def mqtt_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A real Mosquitto from config/mosquitto on a free port, for the whole test session."""
    with Broker.running(tmp_path_factory.mktemp("mosquitto")) as broker:
        yield broker


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[MailCatcher]:
    """A real SMTP server (aiosmtpd) on a free port; the app's mail goes there."""
    with MailCatcher.running() as catcher:
        yield catcher


def send_queued_mail() -> None:
    """What the worker's send-outbox job does, in the test's app context and transaction."""
    from flask import has_app_context

    from app.worker import send_outbox

    if has_app_context():
        send_outbox()


@pytest.fixture
def outbox(smtp_server: MailCatcher) -> Iterator[MailCatcher]:
    """The mail sent during this test (what it queued is sent when the test reads)."""
    smtp_server.clear()
    smtp_server.before_read = send_queued_mail
    yield smtp_server
    smtp_server.before_read = None


@pytest.fixture(scope="session")
def app(
    backend: str, tmp_path_factory: pytest.TempPathFactory, smtp_server: MailCatcher
) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp(f"app-{backend}")
    with fresh_database(backend, tmp) as url:
        app = make_test_app(url, tmp, **smtp_server.app_config())
        yield app
        with app.app_context():
            db.engine.dispose()


class ConnectionBoundSession(Session):
    """A plain Session (Flask-SQLAlchemy's would pick the engine over our connection)."""

    def __init__(self, db: object = None, **options: Any) -> None:
        super().__init__(**options)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """db.session inside a transaction rolled back after the test; commits become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        bound = sessionmaker(
            class_=ConnectionBoundSession,
            bind=connection,
            join_transaction_mode="create_savepoint",
        )
        test_thread = threading.get_ident()

        def session_for_this_thread(**options: Any) -> Session:
            # Only the test's own thread joins its transaction; any other thread (a live
            # server still streaming, a gateway) keeps ordinary sessions on its own app's engine.
            if threading.get_ident() == test_thread:
                return bound(**options)
            return original.session_factory(**options)

        db.session = scoped_session(  # type: ignore[method-assign]
            session_for_this_thread, scopefunc=original.registry.scopefunc
        )
        access_directory.forget()  # nothing cached from another test's rolled-back rows
        try:
            yield db.session()
        finally:
            db.session.remove()
            db.session = original  # type: ignore[method-assign]
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    from app.extensions import limiter

    limiter.reset()
    test_client = app.test_client()
    # The tests read English; a test about Indonesian sends its own Accept-Language.
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


TEST_PASSWORD = "correct horse battery"


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """Log `user` in through the real login form (gives them TEST_PASSWORD first)."""
    from app.services.people.accounts import hash_password

    def log_in(user: User) -> FlaskClient:
        user.password_hash = hash_password(TEST_PASSWORD)
        if user.email_verified_at is None:
            user.email_verified_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.flush()
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return log_in


@pytest.fixture
def clock(time_machine: time_machine.TimeMachineFixture) -> Callable[..., None]:
    """Freeze the clock: clock(datetime) or clock(date, time, hub) for a hub's local time."""

    def freeze(when: datetime | date, at: time | None = None, hub: Hub | None = None) -> None:
        if isinstance(when, datetime):
            instant = when
        else:
            zone = hub.zone if hub is not None else UTC
            instant = datetime.combine(when, at or time(9), tzinfo=zone)
        time_machine.move_to(instant, tick=False)

    freeze(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Monday 08:00 WIB
    return freeze


# -- factories ---------------------------------------------------------------------------------


@pytest.fixture
def make_hub(session: Session) -> Callable[..., Hub]:
    counter = iter(range(1, 10_000))

    def make(
        timezone: str = "Asia/Jakarta",
        hours: tuple[time, time] = (time(8), time(17)),
        weekdays: range = range(5),
        **fields: Any,
    ) -> Hub:
        n = next(counter)
        hub = Hub(
            slug=fields.pop("slug", f"hub-{n}"),
            name=fields.pop("name", f"Hub {n}"),
            timezone=timezone,
            **fields,
        )
        set_opening_hours(hub, {day: hours for day in weekdays})
        session.add(hub)
        session.commit()  # a savepoint: test data survives a service's rollback
        return hub

    return make


@pytest.fixture
def a_hub(make_hub: Callable[..., Hub]) -> Hub:
    """A Jakarta hub open Monday to Friday 08:00-17:00 WIB."""
    return make_hub(name="Test Hub Jakarta")


@pytest.fixture
def make_resource(session: Session) -> Callable[..., Resource]:
    counter = iter(range(1, 10_000))

    def make(
        hub: Hub,
        kind: ResourceKind = ResourceKind.DESK,
        capacity: int = 1,
        mode: BookingMode | None = None,
        **fields: Any,
    ) -> Resource:
        floor = hub.floors[0] if hub.floors else Floor(name="Floor 1", hub=hub)
        if mode is None:
            mode = BookingMode.WHOLE_DAY if kind is ResourceKind.DESK else BookingMode.TIMED
        resource = Resource(
            floor=floor,
            name=fields.pop("name", f"{kind.value}-{next(counter)}"),
            kind=kind,
            booking_mode=mode,
            capacity=capacity,
            **fields,
        )
        session.add(resource)
        session.commit()  # a savepoint: test data survives a service's rollback
        return resource

    return make


@pytest.fixture
def a_desk(make_resource: Callable[..., Resource], a_hub: Hub) -> Resource:
    return make_resource(a_hub, name="A01")


@pytest.fixture
def a_room(make_resource: Callable[..., Resource], a_hub: Hub) -> Resource:
    """A meeting room in 30-minute slots, 30 minutes to 4 hours."""
    return make_resource(
        a_hub, ResourceKind.ROOM, name="Monas", slot_minutes=30, min_minutes=30, max_minutes=240
    )


@pytest.fixture
def make_plan(session: Session) -> Callable[..., Plan]:
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Plan:
        n = next(counter)
        plan = Plan(
            code=fields.pop("code", f"plan-{n}"), name=fields.pop("name", f"Plan {n}"), **fields
        )
        session.add(plan)
        session.commit()  # a savepoint: test data survives a service's rollback
        return plan

    return make


@pytest.fixture
def a_plan(make_plan: Callable[..., Plan]) -> Plan:
    """Unlimited desk days, 10 room hours a month, 14 days ahead."""
    return make_plan(room_hours_per_month=10, advance_days=14)


@pytest.fixture
def make_member(session: Session, a_plan: Plan) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        plan: Plan | None = a_plan,
        starts_on: date = date(2026, 1, 1),
        roles: list[tuple[Role, Hub | None]] | None = None,
        **fields: Any,
    ) -> User:
        n = next(counter)
        user = User(
            email=fields.pop("email", f"member{n}@example.com"),
            name=fields.pop("name", f"Member {n}"),
            **fields,
        )
        user.roles = [RoleGrant(role=r, hub=h) for r, h in roles or [(Role.MEMBER, None)]]
        if plan is not None:
            user.memberships.append(Membership(plan=plan, starts_on=starts_on))
        session.add(user)
        session.commit()  # a savepoint: test data survives a service's rollback
        return user

    return make


@pytest.fixture
def a_member(make_member: Callable[..., User]) -> User:
    return make_member(name="Siti")


@pytest.fixture
def booking_count(session: Session) -> Callable[[], int]:
    """How many bookings exist (any status): a refused booking must not change it."""

    def count() -> int:
        return int(session.scalar(select(func.count()).select_from(Booking)) or 0)

    return count
