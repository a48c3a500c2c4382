"""Server-rendered blueprints, one per audience, and what they share."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from app.converters import init_converters
from app.headers import init_security_headers
from app.web import account_tokens  # noqa: F401  (its pages join the account blueprint)
from app.web.account_data import account, init_consent_check
from app.web.admin import admin
from app.web.auth import auth
from app.web.billing import billing
from app.web.card_payments import card_payments
from app.web.characters import refuse_unusable_requests
from app.web.context import init_context
from app.web.day_pass import day_pass
from app.web.devices import devices
from app.web.doors import doors
from app.web.errors import register_error_pages
from app.web.feeds import feeds
from app.web.frontdesk import frontdesk
from app.web.member import member
from app.web.navigation import init_navigation
from app.web.occupancy import occupancy
from app.web.passes import passes
from app.web.programmes import programmes
from app.web.programmes_staff import programme_staff
from app.web.public import public
from app.web.reports import reports

REMEMBER_ME = timedelta(days=14)


def register_web(app: Flask) -> None:
    from app.extensions import db, limiter, login_manager
    from app.i18n import init_i18n
    from app.models import User

    app.config.setdefault("REMEMBER_COOKIE_DURATION", REMEMBER_ME)
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", REMEMBER_ME)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")  # Redis in production
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and not user.is_suspended else None

    init_converters(app)
    refuse_unusable_requests(app)
    _read_snapshots(app)
    limiter.init_app(app)
    init_i18n(app)
    init_context(app)
    init_navigation(app)
    init_security_headers(app)
    register_error_pages(app)
    init_consent_check(app)
    app.register_blueprint(public)
    for blueprint in (
        auth, member, account, feeds, passes, frontdesk, admin, devices, doors, occupancy,
        programmes, programme_staff, reports, billing, card_payments, day_pass,
    ):  # fmt: skip
        app.register_blueprint(blueprint)


def _read_snapshots(app: Flask) -> None:
    """A request reads without the SQLite write lock until a service opens a transaction, so
    page views run side by side (app.extensions.configure_sqlite)."""
    from flask import g

    from app.extensions import reads_only, reset_reads_only

    @app.before_request
    def _reads_only() -> None:
        g.ruang_reads_only = reads_only(True)

    @app.teardown_request
    def _end_reads_only(_error: BaseException | None) -> None:
        token = g.pop("ruang_reads_only", None)
        if token is not None:
            reset_reads_only(token)
