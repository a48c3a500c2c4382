"""The JSON API end to end through the Flask client: tokens, scopes, errors, idempotency,
conflicts, pagination, ETags, rate limits, hub boundaries."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from app.extensions import db
from app.models import ApiToken, Booking, Role, utcnow
from app.services.access.keys import generate_key
from app.services.integrations import tokens
from tests.api.conftest import bearer
from tests.conftest import MONDAY, TUESDAY


def test_no_token_is_a_structured_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/hubs")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_does_not_authenticate_the_api(login, a_member) -> None:
    client = login(a_member)
    assert client.get("/api/v1/bookings").status_code == 401


def test_revoked_expired_and_forged_tokens_are_refused(client, clock, a_member) -> None:
    issued = tokens.create_personal_token(a_member.id, "phone", ["hubs:read"], 1)
    assert client.get("/api/v1/hubs", headers=bearer(issued.text)).status_code == 200
    forged = issued.text[:-3] + ("aaa" if not issued.text.endswith("aaa") else "bbb")
    assert client.get("/api/v1/hubs", headers=bearer(forged)).json["code"] == "invalid_token"
    clock(utcnow() + timedelta(days=2))
    assert client.get("/api/v1/hubs", headers=bearer(issued.text)).status_code == 401
    other = tokens.create_personal_token(a_member.id, "laptop", ["hubs:read"], 5)
    tokens.revoke_personal_token(a_member.id, other.token.id)
    assert client.get("/api/v1/hubs", headers=bearer(other.text)).status_code == 401


def test_a_token_is_stored_hashed_and_its_last_use_recorded(client, a_member) -> None:
    issued = tokens.create_personal_token(a_member.id, "phone", ["hubs:read"], 1)
    secret = issued.text.rsplit("_", 1)[1]
    stored = db.session.get(ApiToken, issued.token.id)
    assert secret not in stored.secret_hash
    assert stored.last_used_at is None
    client.get("/api/v1/hubs", headers=bearer(issued.text))
    db.session.expire_all()
    assert db.session.get(ApiToken, issued.token.id).last_used_at is not None


def test_missing_scope_is_403(client, a_member, member_token) -> None:
    headers = member_token(a_member, ["hubs:read"])
    response = client.get("/api/v1/bookings", headers=headers)
    assert response.status_code == 403
    assert response.json["code"] == "insufficient_scope"


def test_book_list_and_cancel(client, clock, a_desk, a_member, member_token) -> None:
    headers = member_token(a_member)
    created = client.post(
        "/api/v1/bookings", json={"resource_id": a_desk.id, "day": str(TUESDAY)}, headers=headers
    )
    assert created.status_code == 201, created.json
    assert created.json["source"] == "api"
    listed = client.get("/api/v1/bookings", headers=headers).json
    assert [b["id"] for b in listed["items"]] == [created.json["id"]]
    cancelled = client.post(f"/api/v1/bookings/{created.json['id']}/cancel", headers=headers)
    assert cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/bookings/{created.json['id']}/cancel", headers=headers)
    assert again.status_code == 409
    assert again.json["code"] == "invalid_transition"


def test_a_taken_desk_is_409_and_nothing_changes(
    client, clock, a_desk, make_member, member_token, booking_count
) -> None:
    body = {"resource_id": a_desk.id, "day": str(TUESDAY)}
    first = client.post("/api/v1/bookings", json=body, headers=member_token(make_member()))
    assert first.status_code == 201
    before = booking_count()
    response = client.post("/api/v1/bookings", json=body, headers=member_token(make_member()))
    assert response.status_code == 409
    assert response.json["code"] == "booking_conflict"
    assert response.json["message"]
    assert booking_count() == before


def test_bad_input_names_the_field(client, a_member, member_token, booking_count) -> None:
    response = client.post(
        "/api/v1/bookings", json={"resource_id": "x"}, headers=member_token(a_member)
    )
    assert response.status_code == 422
    assert response.json["code"] == "invalid_input"
    assert "resource_id" in response.json["errors"]
    assert booking_count() == 0


def test_idempotency_key_same_body_same_answer_other_body_422(
    client, clock, a_desk, a_room, a_member, member_token, booking_count
) -> None:
    headers = {**member_token(a_member), "Idempotency-Key": "order-1"}
    body = {"resource_id": a_desk.id, "day": str(TUESDAY)}
    first = client.post("/api/v1/bookings", json=body, headers=headers)
    second = client.post("/api/v1/bookings", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert booking_count() == 1
    other = client.post(
        "/api/v1/bookings", json={"resource_id": a_desk.id, "day": str(MONDAY)}, headers=headers
    )
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_key_reused"
    assert booking_count() == 1


def test_an_idempotent_refusal_is_replayed_too(
    client, clock, a_desk, make_member, member_token
) -> None:
    body = {"resource_id": a_desk.id, "day": str(TUESDAY)}
    client.post("/api/v1/bookings", json=body, headers=member_token(make_member()))
    headers = {**member_token(make_member()), "Idempotency-Key": "k"}
    first = client.post("/api/v1/bookings", json=body, headers=headers)
    assert first.status_code == 409
    assert client.post("/api/v1/bookings", json=body, headers=headers).json == first.json


def test_keys_are_per_token(client, clock, a_desk, make_member, member_token) -> None:
    body = {"resource_id": a_desk.id, "day": str(TUESDAY)}
    key = {"Idempotency-Key": "same"}
    assert (
        client.post(
            "/api/v1/bookings", json=body, headers={**member_token(make_member()), **key}
        ).status_code
        == 201
    )
    # Another member's token with the same key is a new request (here: the desk is taken).
    other = client.post(
        "/api/v1/bookings", json=body, headers={**member_token(make_member()), **key}
    )
    assert other.status_code == 409


def test_another_members_booking_is_404(client, clock, a_desk, make_member, member_token) -> None:
    owner = member_token(make_member())
    created = client.post(
        "/api/v1/bookings", json={"resource_id": a_desk.id, "day": str(TUESDAY)}, headers=owner
    ).json
    stranger = member_token(make_member())
    assert client.get(f"/api/v1/bookings/{created['id']}", headers=stranger).status_code == 404
    cancel = client.post(f"/api/v1/bookings/{created['id']}/cancel", headers=stranger)
    assert cancel.status_code == 404
    assert db.session.get(Booking, created["id"]).status.value == "confirmed"


def test_cursor_pages_cover_every_booking_once(
    client, clock, a_hub, make_resource, a_member, member_token
) -> None:
    headers = member_token(a_member)
    made = []
    for _ in range(5):
        desk = make_resource(a_hub)
        day = str(TUESDAY if len(made) % 2 else MONDAY)
        made.append(
            client.post(
                "/api/v1/bookings", json={"resource_id": desk.id, "day": day}, headers=headers
            )
        )
    ids = {r.json["id"] for r in made if r.status_code == 201}
    seen: list[int] = []
    url = "/api/v1/bookings?limit=1"
    while True:
        page = client.get(url, headers=headers).json
        seen += [b["id"] for b in page["items"]]
        if page["next_cursor"] is None:
            break
        url = f"/api/v1/bookings?limit=1&cursor={page['next_cursor']}"
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    bad = client.get("/api/v1/bookings?cursor=zzzz", headers=headers)
    assert bad.status_code == 422


def test_availability_etag_gives_304_until_it_changes(
    client, clock, a_desk, make_member, member_token
) -> None:
    headers = member_token(make_member())
    url = f"/api/v1/floors/{a_desk.floor_id}/availability?day={TUESDAY}"
    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    assert client.get(url, headers={**headers, "If-None-Match": etag}).status_code == 304
    client.post(
        "/api/v1/bookings",
        json={"resource_id": a_desk.id, "day": str(TUESDAY)},
        headers=member_token(make_member()),
    )
    changed = client.get(url, headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_occupancy_has_an_etag(client, a_hub, a_member, member_token) -> None:
    headers = member_token(a_member)
    first = client.get(f"/api/v1/hubs/{a_hub.id}/occupancy", headers=headers)
    assert first.status_code == 200
    again = client.get(
        f"/api/v1/hubs/{a_hub.id}/occupancy",
        headers={**headers, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_rate_limit_is_per_token(app, client, a_member, member_token) -> None:
    app.config["RUANG_API_RATE_LIMIT"] = "3 per minute"
    try:
        one, two = member_token(a_member), member_token(a_member)
        codes = [client.get("/api/v1/hubs", headers=one).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/api/v1/hubs", headers=one)
        assert limited.json["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert client.get("/api/v1/hubs", headers=two).status_code == 200
    finally:
        app.config.pop("RUANG_API_RATE_LIMIT")


def test_staff_read_only_their_hubs(
    client, a_hub, make_hub, a_staff, a_member, member_token
) -> None:
    other = make_hub()
    staff = member_token(a_staff)
    assert client.get(f"/api/v1/hubs/{a_hub.id}/access-events", headers=staff).status_code == 200
    refused = client.get(f"/api/v1/hubs/{other.id}/access-events", headers=staff)
    assert refused.status_code == 403
    assert refused.json["code"] == "forbidden_hub"
    member = member_token(a_member)
    assert client.get(f"/api/v1/hubs/{a_hub.id}/check-ins", headers=member).status_code == 403


def test_service_tokens_read_the_hubs_they_name(client, a_hub, make_hub, make_member) -> None:
    admin = make_member(roles=[(Role.HUB_ADMIN, a_hub)])
    other = make_hub()
    issued = tokens.create_service_token(admin, "dashboard", ["access:read"], [a_hub.id], 30)
    headers = bearer(issued.text)
    assert client.get(f"/api/v1/hubs/{a_hub.id}/check-ins", headers=headers).status_code == 200
    assert client.get(f"/api/v1/hubs/{other.id}/check-ins", headers=headers).status_code == 403


def test_member_pass_token(app, client, a_member, member_token) -> None:
    generate_key(app.extensions["ruang.keyring"])
    response = client.get("/api/v1/me/pass", headers=member_token(a_member))
    assert response.status_code == 200
    assert len(response.json["token"]) <= 122


def test_unknown_api_path_is_json(client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_docs_page_uses_vendored_assets_only(client) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert policy.endswith("img-src 'self' data:")
    assert "https://" not in page.text
    assert "<script>" not in page.text
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as script:
        assert script.status_code == 200
