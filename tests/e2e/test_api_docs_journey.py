"""The API's docs page in a real browser under the app's strict CSP: Swagger UI, from vendored
files, renders the document's operations, with no CSP violation and no script error."""

from __future__ import annotations

from typing import Any


def test_the_docs_page_renders_the_document(page: Any) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/bookings" in paths
    assert any("availability" in path for path in paths)
    assert not errors, errors
