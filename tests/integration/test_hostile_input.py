"""Hostile input at every route of the URL map, as each kind of user: never a 5xx, never stored.

Routes come from `app.url_map` (a new route is covered without editing this file); path
parameters get real ids of seeded rows and hostile values; query strings and form bodies carry
hostile values in every field name any page of the app renders. Afterwards no text column of any
table holds the marker that every hostile text carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import quote, quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, String, Text, cast, func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.extensions import db, limiter
from app.models import Closure, DeviceKind, Floor, Role, User
from app.services.access.keys import generate_key
from app.services.booking import bookings
from app.services.devices import registry as device_admin
from app.services.devices.registry import DeviceDetails
from tests.conftest import TEST_PASSWORD, TUESDAY

MARKER = "HOSTILE"

#: Text no input may hold (control characters, invalid UTF-8, too long), as raw bytes.
HOSTILE_TEXT: tuple[bytes, ...] = (
    b"HOSTILE\x00",
    b"HOSTILE\x1b[2J\x7f",
    "HOSTILE\u0085\u009b".encode(),
    b"HOSTILE\xff\xfe\xc0\xaf",  # not UTF-8
    b"HOSTILE\xed\xa0\x80",  # an encoded surrogate
    b"HOSTILE" + b"x" * 2_000,
    b"HOSTILE\r\nX-Injected: 1",  # line breaks, which only a textarea may hold
)
#: Values that are not what a field expects, and numbers no column holds.
WRONG_VALUES: tuple[bytes, ...] = (
    b"2147483648",
    b"-2147483649",
    b"9" * 40,
    b"1e309",
    b"NaN",
    b"99999-12-31",
    b"0000-00-00",
    b"25:61",
)
#: Path segments (already URL-encoded) for every parameter of a route.
HOSTILE_SEGMENTS = (
    "HOSTILE%00",
    "HOSTILE%1B%7F",
    "HOSTILE%FF%FE",
    "HOSTILE" + "x" * 3000,
    "..%2F..%2Fetc%2Fpasswd",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "0",
)
#: Query and form names no page renders but views or browsers may read.
EXTRA_NAMES = {"next", "q", "hub", "day", "floor", "start", "minutes", "confirm", "page"}
#: Where the form names of a page are: inputs, selects, textareas, buttons.
FIELD_NAME = re.compile(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"')


@dataclass
class Seeded:
    """Rows whose real ids fill path parameters, by the parameter's name."""

    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


@pytest.fixture
def seeded(
    app: Flask, clock, session: Session, a_hub, a_desk, a_room, a_plan, make_member
) -> Seeded:
    generate_key(app.extensions["ruang.keyring"])  # passes can be signed
    member = make_member(name="Siti Member")
    spare = make_member(name="Spare Staff", plan=None, roles=[(Role.FRONTDESK, a_hub)])
    users = {
        "member": member,
        "frontdesk": make_member(name="Dewi Desk", plan=None, roles=[(Role.FRONTDESK, a_hub)]),
        "hub admin": make_member(name="Hana Admin", plan=None, roles=[(Role.HUB_ADMIN, a_hub)]),
        "programme admin": make_member(
            name="Prita Programme", plan=None, roles=[(Role.PROGRAMME_ADMIN, None)]
        ),
    }
    booking = bookings.book_whole_day(member.id, a_desk.id, TUESDAY)
    a_hub.closures.append(Closure(on=TUESDAY.replace(month=12, day=25), name="Natal"))
    device = device_admin.register_device(
        a_hub, DeviceDetails(device_id="lobby-1", name="Lobby reader", kind=DeviceKind.READER)
    ).device
    session.commit()
    floor = session.scalar(select(Floor).where(Floor.hub_id == a_hub.id))
    assert floor is not None
    closure = a_hub.closures[0]
    return Seeded(
        ids={
            "slug": a_hub.slug,
            "hub_slug": a_hub.slug,
            "device_id": device.device_id,
            "locale": "id",
            "booking_id": str(booking.id),
            "resource_id": str(a_room.id),
            "floor_id": str(floor.id),
            "closure_id": str(closure.id),
            "user_id": str(member.id),
            "membership_id": str(member.memberships[0].id),
            "plan_id": str(a_plan.id),
            "grant_id": str(spare.roles[0].id),
            "entry_id": "1",
            "token": "not-a-token",
            "filename": "ruang.css",
        },
        users=users,
    )


def fill(rule: Rule, values: dict[str, str]) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<[^>]*\b{argument}>", values[argument], url)
    return url


def real_url(rule: Rule, seeded: Seeded) -> str:
    return fill(rule, {name: seeded.ids.get(name, "1") for name in rule.arguments})


def hostile_urls(rule: Rule, seeded: Seeded) -> Iterator[str]:
    """The rule with each hostile segment in each parameter, real ids in the others."""
    real = {name: seeded.ids.get(name, "1") for name in rule.arguments}
    for argument in sorted(rule.arguments):
        for segment in HOSTILE_SEGMENTS:
            yield fill(rule, {**real, argument: segment})


def encoded(pairs: list[tuple[str, bytes]]) -> bytes:
    return "&".join(f"{quote(name)}={quote_from_bytes(value)}" for name, value in pairs).encode()


@dataclass
class Reply:
    status: int
    location: str
    page: str

    @property
    def refused(self) -> bool:
        """This user may not use the route (so a later, better-placed user tries it)."""
        return self.status in (401, 403) or self.location.startswith("/login?next=")


@dataclass
class Probe:
    client: FlaskClient
    failures: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=lambda: set(EXTRA_NAMES))
    #: (endpoint, method) already sent every hostile value by a user allowed to use it.
    covered: set[tuple[str, str]] = field(default_factory=set)
    sent: int = 0

    def send(self, method: str, url: str, **options: object) -> Reply:
        self.sent += 1
        try:
            response = self.client.open(url, method=method, **options)  # type: ignore[arg-type]
        except Exception as error:  # any exception is the finding
            self.failures.append(f"{method} {url[:120]}: {type(error).__name__}: {error}"[:400])
            return Reply(500, "", "")
        try:
            if response.status_code >= 500:
                self.failures.append(f"{method} {url[:120]}: {response.status_code}")
            # Streams, images, JSON: nothing to learn from, and a stream would not end.
            page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            return Reply(response.status_code, response.headers.get("Location", ""), page)
        finally:
            response.close()

    def learn_names(self, rules: list[Rule], seeded: Seeded) -> None:
        """Every GET page with real ids, keeping the names of the form fields it renders."""
        for rule in rules:
            if "GET" in (rule.methods or ()):
                reply = self.send("GET", real_url(rule, seeded))
                self.names.update(FIELD_NAME.findall(reply.page))

    def hostile_requests(self, rules: list[Rule], seeded: Seeded) -> None:
        """Hostile query strings and bodies at each route this user may use and no one before."""
        names = sorted(self.names)
        for rule in rules:
            url = real_url(rule, seeded)
            for method in sorted({"GET", "POST"} & (rule.methods or set())):
                if (rule.endpoint, method) in self.covered or rule.endpoint == "auth.logout":
                    continue
                replies = [self.send(method, url, **request) for request in payloads(method, names)]
                if not replies[0].refused:
                    self.covered.add((rule.endpoint, method))

    def hostile_paths(self, rules: list[Rule], seeded: Seeded) -> None:
        for rule in rules:
            for method in sorted({"GET", "POST"} & (rule.methods or set())):
                for url in hostile_urls(rule, seeded):
                    self.send(method, url, data={"name": MARKER} if method == "POST" else None)


def payloads(method: str, names: list[str]) -> Iterator[dict[str, object]]:
    """Every hostile value in every field at once, one request per value; for forms also a
    list where one value is expected, files where text is, and JSON where a form is."""
    for value in HOSTILE_TEXT + WRONG_VALUES:
        pairs = [(name, value) for name in names]
        if method == "GET":
            yield {"query_string": encoded(pairs).decode()}
        else:
            body = encoded([*pairs, (names[0], b"1")])
            yield {"data": body, "content_type": "application/x-www-form-urlencoded"}
    if method == "POST":
        files = {name: (BytesIO(b"HOSTILE\x00,2026-12-25\n"), "h.csv") for name in names}
        yield {"data": files, "content_type": "multipart/form-data"}
        yield {"json": {name: [MARKER, {"x": 1}] for name in names}}


def log_in(client: FlaskClient, user: User) -> None:
    from app.services.people.accounts import hash_password

    user.password_hash = hash_password(TEST_PASSWORD)
    user.email_verified_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.flush()
    limiter.reset()
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, re.sub(r"\s+", " ", response.text.split("<main")[1])[:1500]


def stored_markers(session: Session) -> list[str]:
    """Every table.column whose text holds the hostile marker."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text | JSON):  # Enum is a String
                continue
            hits = session.scalar(
                select(func.count()).select_from(table).where(cast(column, Text).contains(MARKER))
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def test_hostile_input_everywhere(app: Flask, client: FlaskClient, session, seeded) -> None:
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    probe = Probe(client)
    for role in (None, *seeded.users):
        if role is not None:
            log_in(client, seeded.users[role])
        probe.learn_names(rules, seeded)
        probe.hostile_requests(rules, seeded)
    probe.hostile_paths(rules, seeded)  # converters and the request check act before any view
    assert not probe.failures, "\n".join(probe.failures[:40])
    assert stored_markers(session) == []
    reached = {endpoint for endpoint, _method in probe.covered}
    unreached = {rule.endpoint for rule in rules} - reached - {"auth.logout"}
    assert not unreached, f"no user could use {sorted(unreached)}"
