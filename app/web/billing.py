"""Money pages: the member's billing history, receipts and the pay page; at the front desk
selling a day pass, the day's payments, refunds and the cash-up; for hub admins the hub's prices
and its revenue per month (with CSV)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.i18n import rupiah
from app.messages import describe
from app.models import (
    Hub,
    Invoice,
    InvoiceStatus,
    Membership,
    Order,
    OrderStatus,
    PaymentMethod,
)
from app.services.billing import (
    cashup,
    holds,
    invoices,
    ledger,
    orders,
    receipts,
    refunds,
    revenue,
)
from app.services.billing import desk as desk_sales
from app.services.billing.desk import sell_day_pass
from app.services.billing.orders import DeskPayment
from app.services.billing.providers import online_payment_available
from app.services.errors import DomainError, InvalidInput, NotFound
from app.services.hubs import frontdesk as desk
from app.services.people.accounts import find_user_by_email
from app.web.billing_forms import (
    CashUpForm,
    HoldRoomForm,
    HubBillingForm,
    MonthForm,
    NextPlanForm,
    RefundForm,
    SellDayPassForm,
    SellPlanForm,
    TakePaymentForm,
)
from app.web.context import admin_hub, mailer, me, staff_hub, staff_required
from app.web.forms import RuangForm
from app.web.frontdesk import describe_for_desk

billing = Blueprint("billing", __name__)


@billing.app_context_processor
def _helpers() -> dict[str, object]:
    return {"method_label": receipts.method_label, "receipt_items": receipts.items}


# -- members -----------------------------------------------------------------------------------


@billing.get("/billing/")
@login_required
def history() -> str:
    """The member's payments and refunds, newest first, each with its receipt; plan periods
    to pay first."""
    return render_template(
        "billing/history.html",
        entries=ledger.member_history(me().id),
        open_invoices=[
            i for i in invoices.member_invoices(me().id) if i.status is InvoiceStatus.OPEN
        ],
        billed=[(m, _next_plan_form(m)) for m in invoices.billed_memberships(me().id)],
    )


@billing.post("/billing/memberships/<int:membership_id>/cancel-renewal")
@login_required
def cancel_renewal(membership_id: int) -> BaseResponse:
    """The member's billed plan runs to the end of what is paid, then stops."""
    if RuangForm().validate_on_submit():
        invoices.cancel_at_period_end(me().id, membership_id)
        flash(gettext("Your plan will not renew."), "success")
    return redirect(url_for("billing.history"))


@billing.post("/billing/memberships/<int:membership_id>/next-plan")
@login_required
def next_plan(membership_id: int) -> BaseResponse:
    """Move to another billed plan from the next period."""
    form = NextPlanForm()
    form.plan_id.choices = [SelectChoice(0, "")] + [
        SelectChoice(p.id, p.name) for p in invoices.monthly_plans_at(None)
    ]
    if form.validate_on_submit():
        try:
            invoices.change_plan_next_period(me().id, membership_id, form.plan_id.data or 0)
        except NotFound:
            raise
        except DomainError as error:
            flash(_describe(error), "error")
        else:
            flash(gettext("Your plan changes from the next period."), "success")
    return redirect(url_for("billing.history"))


@billing.get("/billing/receipts/<int:payment_id>")
@login_required
def receipt(payment_id: int) -> str:
    """A printable receipt: the member's own, or any of a hub the viewer staffs."""
    shown = receipts.receipt(payment_id, me())
    return render_template("billing/receipt.html", receipt=shown, hub=shown.hub)


@billing.get("/billing/orders/<int:order_id>/pay")
@login_required
def pay(order_id: int) -> str:
    """The pay page of a pending order: online when a provider is configured, else the desk."""
    order = orders.order_of_member(order_id, me().id)
    return render_template(
        "billing/pay.html",
        hub=order.hub,
        items=_order_items(order),
        total=order.total_idr,
        payable=order.status is OrderStatus.PENDING,
        expires_at=order.expires_at,
        reference=order.reference,
        online=online_payment_available(),
        card_url=url_for("card_payments.start_order", order_id=order.id),
    )


@billing.get("/billing/invoices/<int:invoice_id>/pay")
@login_required
def pay_invoice(invoice_id: int) -> str:
    """The pay page of one of the member's plan periods."""
    invoice = next((i for i in invoices.member_invoices(me().id) if i.id == invoice_id), None)
    if invoice is None:
        raise NotFound("no such invoice")
    return render_template(
        "billing/pay.html",
        hub=db.session.get(Hub, invoice.hub_id),
        items=[(_invoice_label(invoice), invoice.amount_idr)],
        total=invoice.amount_idr,
        payable=invoice.status is InvoiceStatus.OPEN,
        expires_at=None,
        reference=invoice.reference,
        online=online_payment_available(),
        card_url=url_for("card_payments.start_invoice", invoice_id=invoice.id),
    )


@billing.post("/billing/rooms/<int:resource_id>/hold")
@login_required
def hold_room(resource_id: int) -> BaseResponse:
    """Hold a room beyond the plan's hours and go to the pay page."""
    form = HoldRoomForm()
    start = form.start_instant() if form.validate_on_submit() else None
    if start is None:
        flash(gettext("Choose the time again."), "error")
        return redirect(url_for("member.my_bookings"))
    try:
        order = holds.hold_room_for_payment(
            me().id, resource_id, start, start + timedelta(minutes=form.minutes.data or 0)
        )
    except NotFound:
        raise
    except DomainError as error:
        flash(gettext("Not held: %(reason)s", reason=describe(error)), "error")
        return redirect(url_for("member.my_bookings"))
    return redirect(url_for("billing.pay", order_id=order.id))


# -- the front desk ----------------------------------------------------------------------------


@billing.route("/frontdesk/<hub_slug>/sell-day-pass", methods=["GET", "POST"])
@staff_required
def sell(hub_slug: str) -> str | BaseResponse:
    """Sell today's day pass and a desk to a member who is at the desk."""
    the_hub = staff_hub(hub_slug)
    form = SellDayPassForm(data={"email": request.args.get("email", "")})
    options = desk.walk_in_options(the_hub.id)
    form.resource_id.choices = [SelectChoice(0, gettext("Choose a desk"))] + [
        SelectChoice(seat.resource_id, f"{seat.floor_name} · {seat.name}") for seat in options.seats
    ]
    price = orders.day_pass_price(the_hub, options.day_pass) if options.day_pass else None
    if form.validate_on_submit():
        try:
            member = find_user_by_email(form.email.data or "")
            if member is None:
                raise NotFound("no member with that email", field="email")
            sale = sell_day_pass(
                the_hub.id,
                me().id,
                member.id,
                form.resource_id.data or 0,
                _desk_payment(form),
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(gettext("Day pass sold to %(name)s.", name=sale.order.member.name), "success")
            if sale.payment is None:
                return redirect(url_for("frontdesk.hub", hub_slug=the_hub.slug))
            receipts.mail_receipt(mailer(), sale.payment.id)
            return redirect(url_for("billing.receipt", payment_id=sale.payment.id))
    return render_template(
        "billing/sell.html", hub=the_hub, form=form, options=options, price=price
    )


@billing.route("/frontdesk/<hub_slug>/orders/<int:order_id>/pay", methods=["GET", "POST"])
@staff_required
def take_payment(hub_slug: str, order_id: int) -> str | BaseResponse:
    """Take the desk's payment of a member's pending order (room hours held for payment)."""
    the_hub = staff_hub(hub_slug)
    order = next((o for o in desk_sales.pending_orders(the_hub.id) if o.id == order_id), None)
    if order is None:
        raise NotFound("no such pending order at this hub")
    form = TakePaymentForm()
    if form.validate_on_submit():
        try:
            payment = desk_sales.pay_order_at_desk(
                order.id, the_hub.id, me().id, _desk_payment(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if payment is None:
                flash(gettext("Payment recorded."), "success")
                return redirect(url_for("billing.payments", hub_slug=the_hub.slug))
            return _paid(payment.id)
    return render_template(
        "billing/take_payment.html",
        hub=the_hub,
        form=form,
        member=order.member,
        items=_order_items(order),
        total=order.total_idr,
    )


@billing.route("/frontdesk/<hub_slug>/invoices/<int:invoice_id>/pay", methods=["GET", "POST"])
@staff_required
def take_invoice_payment(hub_slug: str, invoice_id: int) -> str | BaseResponse:
    """Take the desk's payment of a plan period billed by this hub."""
    the_hub = staff_hub(hub_slug)
    invoice = next((i for i in invoices.open_invoices_at(the_hub.id) if i.id == invoice_id), None)
    if invoice is None:
        raise NotFound("no such open invoice at this hub")
    form = TakePaymentForm()
    if form.validate_on_submit():
        try:
            payment = invoices.pay_invoice_at_desk(
                invoice.id, the_hub.id, me().id, _desk_payment(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _paid(payment.id)
    return render_template(
        "billing/take_payment.html",
        hub=the_hub,
        form=form,
        member=invoice.member,
        items=[(_invoice_label(invoice), invoice.amount_idr)],
        total=invoice.amount_idr,
    )


@billing.route("/frontdesk/<hub_slug>/sell-plan", methods=["GET", "POST"])
@staff_required
def sell_plan(hub_slug: str) -> str | BaseResponse:
    """A monthly plan from today, its first period paid at the desk."""
    the_hub = staff_hub(hub_slug)
    plans = invoices.monthly_plans_at(the_hub)
    form = SellPlanForm(data={"email": request.args.get("email", "")})
    form.plan_id.choices = [SelectChoice(0, gettext("Choose a plan"))] + [
        SelectChoice(p.id, f"{p.name} · {rupiah(p.price_idr)}") for p in plans
    ]
    if form.validate_on_submit():
        try:
            member = find_user_by_email(form.email.data or "")
            if member is None:
                raise NotFound("no member with that email", field="email")
            payment = invoices.sell_plan_at_desk(
                the_hub.id, me().id, member.id, form.plan_id.data or 0, _desk_payment(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _paid(payment.id)
    return render_template("billing/sell_plan.html", hub=the_hub, form=form, plans=plans)


@billing.get("/frontdesk/<hub_slug>/payments")
@staff_required
def payments(hub_slug: str) -> str:
    """The hub's ledger of one local day (default today)."""
    the_hub = staff_hub(hub_slug)
    day = _day_arg(the_hub)
    entries = ledger.entries_on(the_hub, day)
    return render_template(
        "billing/payments.html",
        hub=the_hub,
        day=day,
        entries=entries,
        totals=ledger.totals(entries),
        by_method=[(m, ledger.totals(entries, m)) for m in PaymentMethod],
        refundable=refunds.refundable_idr,
        pending=desk_sales.pending_orders(the_hub.id),
        invoices=invoices.open_invoices_at(the_hub.id),
    )


@billing.route("/frontdesk/<hub_slug>/payments/<int:payment_id>/refund", methods=["GET", "POST"])
@staff_required
def refund(hub_slug: str, payment_id: int) -> str | BaseResponse:
    """Refund part or all of a payment taken at this hub."""
    the_hub = staff_hub(hub_slug)
    shown = receipts.receipt(payment_id, me())
    if shown.hub.id != the_hub.id:
        raise NotFound("no such payment at this hub")
    left = refunds.refundable_idr(shown.payment)
    form = RefundForm(data={"amount_idr": left, "refund_key": secrets.token_urlsafe(16)})
    if form.validate_on_submit():
        try:
            refunds.refund_by_staff(
                payment_id,
                the_hub.id,
                me().id,
                form.amount_idr.data or 0,
                refund_key=form.refund_key.data or "",
                reason=form.reason.data or "",
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(gettext("Refund recorded."), "success")
            return redirect(url_for("billing.receipt", payment_id=payment_id))
    return render_template("billing/refund.html", hub=the_hub, receipt=shown, form=form, left=left)


@billing.route("/frontdesk/<hub_slug>/cash-up", methods=["GET", "POST"])
@staff_required
def cash_up(hub_slug: str) -> str | BaseResponse:
    """Count the drawer against the day's cash in the ledger, once per day."""
    the_hub = staff_hub(hub_slug)
    form = CashUpForm()
    if request.method == "GET":
        form.day.data = _day_arg(the_hub)
    day = form.day.data or the_hub.today()
    if form.validate_on_submit():
        try:
            recorded = cashup.record_cash_up(
                the_hub.id, me().id, day, form.counted_idr.data or 0, form.note.data or ""
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(gettext("Cash-up recorded."), "success")
            return redirect(
                url_for("billing.cash_up", hub_slug=the_hub.slug, day=recorded.day.isoformat())
            )
    return render_template(
        "billing/cash_up.html", hub=the_hub, form=form, state=cashup.cash_day(the_hub.id, day)
    )


# -- hub admins --------------------------------------------------------------------------------


@billing.route("/admin/hubs/<hub_slug>/prices", methods=["GET", "POST"])
@login_required
def prices(hub_slug: str) -> str | BaseResponse:
    """The hub's day-pass price and its money policy."""
    the_hub = admin_hub(hub_slug)
    current = orders.hub_billing(the_hub.id)
    form = HubBillingForm(obj=current)
    if form.validate_on_submit():
        terms = orders.BillingTerms(
            day_pass_price_idr=form.day_pass_price_idr.data,
            room_hour_price_idr=form.room_hour_price_idr.data,
            refund_hours_before=form.refund_hours_before.data or 0,
            hold_minutes=form.hold_minutes.data or 0,
        )
        try:
            orders.update_hub_billing(the_hub.id, me().id, terms)
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(gettext("Prices saved."), "success")
            return redirect(url_for("billing.prices", hub_slug=the_hub.slug))
    return render_template("billing/prices.html", hub=the_hub, form=form)


@billing.get("/admin/hubs/<hub_slug>/revenue")
@login_required
def revenue_page(hub_slug: str) -> str:
    the_hub = admin_hub(hub_slug)
    month = _month(the_hub)
    return render_template(
        "billing/revenue.html", hub=the_hub, revenue=revenue.month_revenue(the_hub, month)
    )


@billing.get("/admin/hubs/<hub_slug>/revenue.csv")
@login_required
def revenue_csv(hub_slug: str) -> Response:
    the_hub = admin_hub(hub_slug)
    month = _month(the_hub)
    body = revenue.revenue_csv(revenue.month_revenue(the_hub, month))
    name = f"ruang-revenue-{the_hub.slug}-{month:%Y-%m}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- helpers -----------------------------------------------------------------------------------


def _next_plan_form(membership: Membership) -> NextPlanForm:
    form = NextPlanForm(formdata=None, data={"plan_id": membership.next_plan_id or 0})
    form.plan_id.choices = [SelectChoice(0, gettext("Choose a plan"))] + [
        SelectChoice(p.id, f"{p.name} · {rupiah(p.price_idr)}")
        for p in invoices.monthly_plans_at(None)
    ]
    return form


def _paid(payment_id: int) -> BaseResponse:
    """After the desk took a payment: mail the receipt and show it, to print."""
    flash(gettext("Payment recorded."), "success")
    receipts.mail_receipt(mailer(), payment_id)
    return redirect(url_for("billing.receipt", payment_id=payment_id))


def _order_items(order: Order) -> list[tuple[str, int]]:
    return [(receipts.line_label(line), line.amount_idr) for line in order.lines]


def _invoice_label(invoice: Invoice) -> str:
    return receipts.invoice_label(invoice)


def _desk_payment(form: SellDayPassForm | TakePaymentForm | SellPlanForm) -> DeskPayment:
    return DeskPayment(
        PaymentMethod(form.payment_method.data),
        form.reference.data or "",
        form.note.data or "",
    )


def _form_error(form: RuangForm, error: DomainError) -> None:
    field = getattr(form, str(error.details.get("field", "")), None)
    (field.errors if field is not None else form.form_errors).append(_describe(error))


#: What staff are told when a money form's input is refused, by the field at fault.
FIELD_MESSAGES = {
    "email": lambda: gettext("No member has that email address."),
    "member_id": lambda: gettext(
        "This member already has a membership valid here today: no day pass is needed."
    ),
    "resource_id": lambda: gettext("Choose a free desk at this hub."),
    "reason": lambda: gettext("Say why the money goes back."),
    "refund_key": lambda: gettext("This form is out of date: open it again."),
    "day": lambda: gettext("That day has not come yet."),
    "counted_idr": lambda: gettext("Give the cash counted in whole rupiah."),
    "amount_idr": lambda: gettext("Give an amount in whole rupiah."),
}


def _describe(error: DomainError) -> str:
    words = FIELD_MESSAGES.get(str(error.details.get("field", "")))
    if words is not None and error.code in ("invalid_input", "not_found"):
        return str(words())
    return describe_for_desk(error)


def _day_arg(hub: Hub) -> date:
    """The `day` of the query string, else today at the hub."""
    form = CashUpForm(request.args, meta={"csrf": False})
    return (form.day.data if form.day.validate(form) else None) or hub.today()


def _month(hub: Hub) -> date:
    """The `month` of the query string (2026-11), else this month at the hub."""
    form = MonthForm(request.args)
    try:
        return revenue.parse_month(form.month.data, hub.today())
    except InvalidInput:
        return hub.today().replace(day=1)
