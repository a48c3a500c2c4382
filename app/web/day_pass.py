"""A member buys today's day pass and a desk online: the order is made here, billing's pay page
takes it from there (by card where Stripe is configured, else at the front desk)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from app.messages import describe
from app.services.billing import orders
from app.services.billing.desk import order_day_pass_online
from app.services.errors import DomainError
from app.services.hubs.frontdesk import walk_in_options
from app.web.billing_forms import BuyDayPassForm
from app.web.context import hub_or_404, me

day_pass = Blueprint("day_pass", __name__)


@day_pass.route("/hubs/<hub_slug>/day-pass", methods=["GET", "POST"])
@login_required
def buy(hub_slug: str) -> ResponseReturnValue:
    hub = hub_or_404(hub_slug)
    options = walk_in_options(hub.id)
    form = BuyDayPassForm()
    form.resource_id.choices = [SelectChoice(0, gettext("Choose a desk"))] + [
        SelectChoice(seat.resource_id, f"{seat.floor_name} · {seat.name}") for seat in options.seats
    ]
    if form.validate_on_submit():
        try:
            order = order_day_pass_online(hub.id, me().id, form.resource_id.data or 0)
        except DomainError as error:
            _refused(form, error)
        else:
            return redirect(url_for("billing.pay", order_id=order.id))
    price = orders.day_pass_price(hub, options.day_pass) if options.day_pass else None
    return render_template(
        "billing/day_pass.html", hub=hub, form=form, options=options, price=price
    )


def _refused(form: BuyDayPassForm, error: DomainError) -> None:
    field = error.details.get("field")
    if field == "resource_id":
        form.resource_id.errors = [gettext("Choose a free desk at this hub.")]
    elif field == "member_id":
        form.form_errors.append(
            gettext("Your membership is valid here today: you need no day pass.")
        )
    else:
        form.form_errors.append(describe(error))
