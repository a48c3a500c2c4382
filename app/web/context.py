"""What views need from the app: the mailer, the token signer, and access checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.models import Hub, User
from app.services.access.keys import Keyring
from app.services.notifications.mail import Mailer
from app.services.notifications.outbox import OutboxMailer
from app.services.people.tokens import TokenSigner

F = TypeVar("F", bound=Callable[..., Any])


def init_context(app: Any) -> None:
    # Mail is queued in the outbox; the worker sends it (app.worker, send-outbox).
    app.extensions["ruang.mailer"] = OutboxMailer()
    app.extensions["ruang.signer"] = TokenSigner(app.config["SECRET_KEY"])


def mailer() -> Mailer:
    return cast(Mailer, current_app.extensions["ruang.mailer"])


def signer() -> TokenSigner:
    return cast(TokenSigner, current_app.extensions["ruang.signer"])


def keyring() -> Keyring:
    """Where the pass signing keys are (app.services.access.keys)."""
    return cast(Keyring, current_app.extensions["ruang.keyring"])


def external_link(endpoint: str) -> Callable[[str], str]:
    """A function turning a token into an absolute link to `endpoint`."""
    return lambda token: url_for(endpoint, token=token, _external=True)


def me() -> User:
    """The logged-in user (views using it are behind login_required)."""
    return cast(User, current_user._get_current_object())


def hub_or_404(slug: str) -> Hub:
    hub = db.session.scalar(db.select(Hub).where(Hub.slug == slug))
    if hub is None:
        abort(404)
    return hub


def staff_hub(slug: str) -> Hub:
    """The hub named by `slug`, if the current user staffs it; else 404 / 403."""
    hub = hub_or_404(slug)
    if not me().can_staff(hub.id):
        abort(403)
    return hub


def admin_hub(slug: str) -> Hub:
    hub = hub_or_404(slug)
    if not me().can_administer(hub.id):
        abort(403)
    return hub


def staff_required(view: F) -> F:
    """Only users with a staff role anywhere (each view still checks the hub)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not me().is_staff:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)
