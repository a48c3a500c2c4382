"""Admin pages for what members are owed: mail the outbox gave up on (retry it) and requests to
erase an account (carry out or refuse, with a reason). Hub admins see their hubs'; programme
admins see all. Both actions are audited by the services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from app.models import Role, User
from app.services.errors import InvalidInput
from app.services.notifications import outbox
from app.services.people import erasure
from app.web.admin.forms import explain
from app.web.context import me


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/outbox", view_func=failed_mail)
    bp.add_url_rule("/outbox/<int:message_id>/retry", view_func=retry_mail, methods=["POST"])
    bp.add_url_rule("/data-requests", view_func=data_requests)
    bp.add_url_rule(
        "/data-requests/<int:request_id>", view_func=handle_data_request, methods=["POST"]
    )


def failed_mail() -> str:
    return render_template(
        "admin/outbox.html",
        messages=outbox.failed_messages(admin_hub_ids(me())),
        waiting=outbox.pending_count(),
    )


def retry_mail(message_id: int) -> Response:
    outbox.retry_failed(me(), message_id)
    flash(gettext("The message is queued again."), "success")
    return redirect(url_for("admin.failed_mail"))


def data_requests() -> str:
    return render_template("admin/data_requests.html", requests=erasure.open_requests(me()))


def handle_data_request(request_id: int) -> Response:
    erase = request.form.get("decision") == "erase"
    try:
        erasure.handle_request(me(), request_id, erase=erase, note=request.form.get("note", ""))
    except InvalidInput as error:
        flash(explain(error), "error")
    else:
        flash(
            gettext("The account is erased.") if erase else gettext("The request is refused."),
            "success",
        )
    return redirect(url_for("admin.data_requests"))


def admin_hub_ids(user: User) -> set[int] | None:
    """The hubs the user administers; None for every hub (programme admins)."""
    if user.is_programme_admin:
        return None
    return {g.hub_id for g in user.roles if g.role is Role.HUB_ADMIN and g.hub_id is not None}
