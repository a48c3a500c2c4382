"""The member's API tokens on their account page: make one (its text shown once), see when
each was last used, revoke."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from app.services.errors import DomainError
from app.services.integrations import tokens
from app.web.account_data import account
from app.web.admin.forms import show_error
from app.web.context import me
from app.web.integration_forms import TokenForm


@account.get("/tokens")
def api_tokens() -> str:
    return _page(TokenForm(), None)


@account.post("/tokens")
def create_api_token() -> str:
    form = TokenForm()
    issued = None
    if form.validate_on_submit():
        try:
            issued = tokens.create_personal_token(
                me().id,
                form.name.data or "",
                form.scopes.data or [],
                form.expires_in_days.data or 0,
            ).text
        except DomainError as error:
            show_error(form, error)
    # The token's text is shown on this page once, never stored or sent anywhere else.
    return _page(TokenForm(formdata=None) if issued else form, issued)


@account.post("/tokens/<int:token_id>/revoke")
def revoke_api_token(token_id: int) -> Response:
    tokens.revoke_personal_token(me().id, token_id)
    flash(gettext("The token no longer works."), "success")
    return redirect(url_for("account.api_tokens"))


def _page(form: TokenForm, issued: str | None) -> str:
    return render_template(
        "account/tokens.html", form=form, issued=issued, tokens=tokens.personal_tokens(me().id)
    )
