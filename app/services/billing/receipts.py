"""Receipts: what a payment's receipt shows, who may see it, and the receipt mail in the
member's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale, gettext

from app.i18n import hub_date, hub_time, rupiah
from app.models import Hub, Invoice, OrderLine, Payment, User
from app.services.billing import ledger
from app.services.booking.placement import get_or_404
from app.services.errors import NotFound
from app.services.notifications.mail import Mail, Mailer


@dataclass(frozen=True)
class Receipt:
    payment: Payment
    hub: Hub
    member: User | None
    lines: list[OrderLine]
    refunds: list[Payment] = field(default_factory=list)

    @property
    def refunded_idr(self) -> int:
        return sum(r.amount_idr for r in self.refunds)


def receipt(payment_id: int, viewer: User) -> Receipt:
    """The receipt of a payment, for its member or the staff of its hub; NotFound for anyone
    else (a crafted id reveals nothing)."""
    payment = db_payment(payment_id)
    allowed = payment.member_id == viewer.id or viewer.can_staff(payment.hub_id)
    if not allowed or payment.is_refund:
        raise NotFound("no such receipt", id=payment_id)
    return _receipt(payment)


def mail_receipt(mailer: Mailer, payment_id: int) -> bool:
    """Send the member their receipt in their language; False if they have no email."""
    payment = db_payment(payment_id)
    member = payment.member
    if member is None or not member.has_real_email or payment.is_refund:
        return False
    shown = _receipt(payment)
    with force_locale(member.locale or "id"):
        lines = "\n".join(f"- {label}: {rupiah(amount)}" for label, amount in items(payment))
        mailer.send(
            Mail(
                to=member.email,
                subject=gettext(
                    "Your Ruang receipt %(number)s", number=payment.receipt_number or ""
                ),
                body=gettext(
                    "Hello %(name)s,\n\nThank you for your payment at %(hub)s.\n\n"
                    "Receipt: %(number)s\nDate: %(day)s, %(time)s\n%(lines)s\n"
                    "Total paid: %(amount)s (%(method)s)\nReference: %(reference)s\n\nRuang",
                    name=member.name,
                    hub=shown.hub.name,
                    number=payment.receipt_number or "",
                    day=hub_date(payment.recorded_at, shown.hub),
                    time=hub_time(payment.recorded_at, shown.hub),
                    lines=lines,
                    amount=rupiah(payment.amount_idr),
                    method=method_label(payment.method.value),
                    reference=payment.reference or "-",
                ),
            )
        )
    return True


def items(payment: Payment) -> list[tuple[str, int]]:
    """What a payment paid for, as (label, amount) lines in the current language."""
    if payment.invoice is not None:
        return [(invoice_label(payment.invoice), payment.invoice.amount_idr)]
    lines = payment.order.lines if payment.order is not None else []
    return [(line_label(line), line.amount_idr) for line in lines]


def line_label(line: OrderLine) -> str:
    """An order line in words: `Day pass: Day Pass 2026-11-23`."""
    return f"{line_kind_label(line.kind.value)}: {line.description}"


def line_kind_label(kind: str) -> str:
    labels = {
        "day_pass": gettext("Day pass"),
        "room_hours": gettext("Room hours"),
        "plan_period": gettext("Plan period"),
    }
    return str(labels.get(kind, kind))


def invoice_label(invoice: Invoice) -> str:
    """A plan period in words: `Bulanan dari 1 Des 2026 sampai 1 Jan 2027`."""
    return str(
        gettext(
            "%(plan)s from %(start)s to %(end)s",
            plan=invoice.membership.plan.name,
            start=hub_date(invoice.period_start),
            end=hub_date(invoice.period_end),
        )
    )


def method_label(method: str) -> str:
    """A payment method in the current language."""
    labels = {
        "cash": gettext("Cash"),
        "qris": gettext("QRIS"),
        "transfer": gettext("Bank transfer"),
        "card": gettext("Card"),
    }
    return str(labels.get(method, method))


def db_payment(payment_id: int) -> Payment:
    return get_or_404(Payment, payment_id)


def _receipt(payment: Payment) -> Receipt:
    lines = list(payment.order.lines) if payment.order is not None else []
    return Receipt(payment, payment.hub, payment.member, lines, ledger.refunds_of(payment.id))
