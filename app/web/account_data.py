"""The member's own account pages: notification preferences, calendar feed address, the data
Ruang holds about them (readable and as JSON), asking for erasure, and consent to a changed
personal-data notice (asked again before any other page)."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from app.services.calendars import feeds
from app.services.notifications import preferences
from app.services.people import consent as notice
from app.services.people import erasure, export
from app.web.context import me

account = Blueprint("account", __name__, url_prefix="/account")

#: Pages a member who has not agreed to the current notice may still open.
OPEN_BEFORE_CONSENT = frozenset(
    {
        "account.consent",
        "account.give_consent",
        "auth.logout",
        "static",
        "account.data",
        "account.data_json",
        "account.request_erasure",
    }
)


@account.before_request
def _members_only() -> Any:
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return None


def init_consent_check(app: Flask) -> None:
    """A member who agreed to an older notice is asked again before anything else."""

    @app.before_request
    def _ask_again() -> Response | None:
        if (
            request.endpoint not in OPEN_BEFORE_CONSENT  # first: static files load no user
            and current_user.is_authenticated
            and current_user.consent_version is not None
            and notice.needs_consent(current_user)
        ):
            return redirect(url_for("account.consent", next=request.full_path))
        return None


# -- notifications ------------------------------------------------------------------------------


@account.get("/notifications")
def notifications() -> str:
    return render_template("account/notifications.html", prefs=preferences.preferences(me().id))


@account.post("/notifications")
def save_notifications() -> Response:
    preferences.set_preferences(me().id, request.form.getlist("kinds"))
    flash(gettext("Your notification choices are saved."), "success")
    return redirect(url_for(".notifications"))


# -- calendar -----------------------------------------------------------------------------------


@account.get("/calendar")
def calendar() -> str:
    token = feeds.feed_token(_secret(), me().id)
    return render_template(
        "account/calendar.html",
        feed_url=url_for("feeds.member_feed", token=token, _external=True),
        token=token,
        rooms=feeds.staff_rooms(me()) if me().is_staff else [],
    )


@account.post("/calendar/rotate")
def rotate_calendar() -> Response:
    feeds.rotate_feed(_secret(), me().id)
    flash(gettext("A new calendar address is ready; the old one no longer works."), "success")
    return redirect(url_for(".calendar"))


# -- my data ------------------------------------------------------------------------------------


@account.get("/data")
def data() -> str:
    return render_template(
        "account/data.html",
        sections=export.member_data(me().id),
        consents=notice.consent_history(me().id),
    )


@account.get("/data.json")
def data_json() -> Response:
    body = json.dumps(export.export_member_data(me().id), ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="ruang-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@account.post("/erasure")
def request_erasure() -> Response:
    if request.form.get("confirm") != "yes":
        flash(gettext("Tick the box to confirm that you want your account erased."), "error")
        return redirect(url_for(".data") + "#erase")
    erasure.request_erasure(me().id)
    flash(
        gettext(
            "Your request is with the hub team. Once it is carried out you can no longer log in."
        ),
        "success",
    )
    return redirect(url_for(".data"))


# -- consent ------------------------------------------------------------------------------------


@account.get("/consent")
def consent() -> str:
    return render_template(
        "account/consent.html",
        version=notice.PRIVACY_NOTICE_VERSION,
        next=_safe_next(request.args.get("next")),
    )


@account.post("/consent")
def give_consent() -> Response:
    if request.form.get("agree") != "yes":
        flash(gettext("Please agree to the notice to go on using Ruang."), "error")
        return redirect(url_for(".consent"))
    notice.give_consent(me().id)
    flash(gettext("Thank you: your consent is recorded."), "success")
    return redirect(_safe_next(request.form.get("next")) or url_for("member.hubs"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never another host)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])
