"""Admin pages for integrations: service tokens (scoped to hubs) and webhook endpoints with each
delivery's status, response code and attempts. Hub admins manage those of their hubs; programme
admins all. Creating and revoking are audited by the services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.models import Hub
from app.services.errors import DomainError, InvalidInput
from app.services.integrations import tokens, webhooks
from app.web.admin.data_rights import admin_hub_ids
from app.web.admin.forms import explain, show_error
from app.web.context import me
from app.web.integration_forms import ServiceTokenForm, WebhookForm


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/integrations", view_func=integrations)
    bp.add_url_rule("/integrations/tokens", view_func=create_token, methods=["POST"])
    bp.add_url_rule(
        "/integrations/tokens/<int:token_id>/revoke", view_func=revoke_token, methods=["POST"]
    )
    bp.add_url_rule("/integrations/webhooks", view_func=create_webhook, methods=["POST"])
    bp.add_url_rule("/integrations/webhooks/<int:endpoint_id>", view_func=webhook_deliveries)
    bp.add_url_rule(
        "/integrations/deliveries/<int:delivery_id>/retry",
        view_func=retry_delivery,
        methods=["POST"],
    )
    bp.add_url_rule(
        "/integrations/webhooks/<int:endpoint_id>/deactivate",
        view_func=deactivate_webhook,
        methods=["POST"],
    )


def _hub_choices() -> list[SelectChoice]:
    ids = admin_hub_ids(me())
    stmt = select(Hub).order_by(Hub.name)
    if ids is not None:
        stmt = stmt.where(Hub.id.in_(ids))
    return [SelectChoice(hub.id, hub.name) for hub in db.session.scalars(stmt)]


def _forms() -> tuple[ServiceTokenForm, WebhookForm]:
    token_form, webhook_form = ServiceTokenForm(prefix="token"), WebhookForm(prefix="hook")
    token_form.hub_ids.choices = webhook_form.hub_ids.choices = _hub_choices()
    return token_form, webhook_form


def _chosen_hubs(chosen: list[int] | None) -> list[int] | None:
    """No hub ticked means every hub (programme admins only: the service refuses others)."""
    return list(chosen) if chosen else None


def integrations(
    issued: str | None = None, forms: tuple[ServiceTokenForm, WebhookForm] | None = None
) -> str:
    token_form, webhook_form = forms or _forms()
    return render_template(
        "admin/integrations.html",
        token_form=token_form,
        webhook_form=webhook_form,
        issued=issued,
        tokens=tokens.service_tokens(me()),
        endpoints=webhooks.endpoints_for(me()),
    )


def create_token() -> str:
    token_form, webhook_form = _forms()
    issued = None
    if token_form.validate_on_submit():
        try:
            issued = tokens.create_service_token(
                me(),
                token_form.name.data or "",
                token_form.scopes.data or [],
                _chosen_hubs(token_form.hub_ids.data),
                token_form.expires_in_days.data or 0,
            ).text
        except DomainError as error:
            show_error(token_form, error)
    return integrations(issued, (token_form, webhook_form))


def revoke_token(token_id: int) -> Response:
    tokens.revoke_service_token(me(), token_id)
    flash(gettext("The token no longer works."), "success")
    return redirect(url_for("admin.integrations"))


def create_webhook() -> str | Response:
    token_form, webhook_form = _forms()
    if webhook_form.validate_on_submit():
        try:
            webhooks.register_endpoint(
                me(),
                webhook_form.url.data or "",
                webhook_form.event_types.data or [],
                _chosen_hubs(webhook_form.hub_ids.data),
            )
        except DomainError as error:
            show_error(webhook_form, error)
        else:
            flash(gettext("The endpoint is registered."), "success")
            return redirect(url_for("admin.integrations"))
    return integrations(None, (token_form, webhook_form))


def webhook_deliveries(endpoint_id: int) -> str:
    return render_template(
        "admin/webhook.html",
        endpoint=webhooks.endpoint_for(me(), endpoint_id),
        deliveries=webhooks.deliveries(me(), endpoint_id),
    )


def deactivate_webhook(endpoint_id: int) -> Response:
    webhooks.deactivate_endpoint(me(), endpoint_id)
    flash(gettext("The endpoint receives nothing more."), "success")
    return redirect(url_for("admin.integrations"))


def retry_delivery(delivery_id: int) -> Response:
    try:
        delivery = webhooks.retry_delivery(me(), delivery_id)
    except InvalidInput as error:
        flash(explain(error), "error")
        return redirect(url_for("admin.integrations"))
    flash(gettext("The message is queued again."), "success")
    return redirect(url_for("admin.webhook_deliveries", endpoint_id=delivery.endpoint_id))
