"""The API against its own OpenAPI document, and the document against the API's rules.

Schemathesis generates requests for every operation from the document (a few examples each,
so the run stays short) as a member, as staff and with no token: no 5xx, and every response
matches what the document says. Scopes and hub boundaries are checked on every operation
found in the document (its x-required-scope and its hub path parameter), not a hand-kept list.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.services.access.keys import generate_key
from app.services.integrations.tokens import Scope
from tests.api.conftest import ALL_SCOPES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 8


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json


@pytest.mark.parametrize("who", ["member", "staff", "nobody"])
def test_every_operation_keeps_to_the_document(
    app, clock, who, a_desk, a_room, a_staff, a_member, member_token, session
) -> None:
    headers = {
        "member": lambda: member_token(a_member),
        "staff": lambda: member_token(a_staff),
        "nobody": dict,
    }[who]()
    generate_key(app.extensions["ruang.keyring"])  # the pass operation signs with it
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()


def _call(client, method: str, path: str, headers: dict[str, str], hub_id: int) -> Any:
    url = path.replace("{hub_id}", str(hub_id))
    for name in ("floor_id", "resource_id", "booking_id"):
        url = url.replace("{" + name + "}", "1")
    query = {"day": "2026-11-24", "first": "2026-11-24", "last": "2026-11-24"}
    return client.open(url, method=method, headers=headers, query_string=query, json={})


def test_every_operation_needs_a_token_and_its_scope(
    client, document, a_hub, a_member, member_token
) -> None:
    operations = _operations(document)
    assert operations
    for method, path, operation in operations:
        scope = operation.get("x-required-scope")
        assert scope in ALL_SCOPES, f"{method} {path} declares no scope"
        assert operation["security"] == [{"bearerAuth": [scope]}]
        anonymous = _call(client, method, path, {}, a_hub.id)
        assert anonymous.status_code == 401, (method, path)
        others = [s for s in ALL_SCOPES if s != scope]
        lacking = _call(client, method, path, member_token(a_member, others), a_hub.id)
        assert lacking.status_code == 403, (method, path)
        assert lacking.json["code"] == "insufficient_scope"


def test_staff_data_of_another_hub_is_refused_everywhere(
    client, document, a_hub, make_hub, a_staff, a_member, member_token
) -> None:
    """Every operation on a hub's access data refuses staff of another hub and plain members."""
    other = make_hub()
    staff_only = [
        (method, path)
        for method, path, operation in _operations(document)
        if operation["x-required-scope"] == Scope.ACCESS_READ.value
    ]
    assert staff_only, "the document lists no staff operation"
    for method, path in staff_only:
        assert "{hub_id}" in path, f"{path} reads staff data without naming its hub"
        staff = member_token(a_staff)
        assert _call(client, method, path, staff, a_hub.id).status_code == 200, path
        assert _call(client, method, path, staff, other.id).status_code == 403, path
        member = member_token(a_member)
        assert _call(client, method, path, member, a_hub.id).status_code == 403, path


def test_member_data_is_only_the_callers(
    client, document, a_desk, make_member, member_token, clock
) -> None:
    """Every operation on a booking id answers 404 for another member's booking."""
    owner = member_token(make_member())
    created = client.post(
        "/api/v1/bookings", json={"resource_id": a_desk.id, "day": "2026-11-24"}, headers=owner
    ).json
    stranger = member_token(make_member())
    paths = [(m, p) for m, p, _ in _operations(document) if "{booking_id}" in p]
    assert paths
    for method, path in paths:
        url = path.replace("{booking_id}", str(created["id"]))
        assert client.open(url, method=method, headers=stranger).status_code == 404, path
