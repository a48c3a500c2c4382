"""Plan periods: an invoice per period of a paid monthly plan, renewals invoiced before the
period starts, a grace period, then the membership lapses.

A billed membership's `ends_on` is how far it is paid (plus the grace of an open renewal), so
the booking rules (Membership.covers) see a lapse at once, with no job in between: paying an
invoice moves `ends_on` to the end of its period. Open-ended memberships (ends_on None) are not
billed by Ruang (free plans, and paid ones approved before billing existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import hub_date, rupiah
from app.models import (
    BillingInterval,
    Hub,
    Invoice,
    InvoiceStatus,
    Membership,
    MembershipStatus,
    Payment,
    PaymentAttempt,
    Plan,
    User,
    utcnow,
)
from app.services import audit
from app.services.billing import ledger, orders
from app.services.billing.orders import DeskPayment
from app.services.booking.placement import get_or_404
from app.services.errors import Forbidden, InvalidInput, NotFound, OrderNotPayable
from app.services.notifications.mail import Mail, Mailer
from app.services.transactions import savepoint, transaction

#: A renewal is invoiced this many days before its period starts.
RENEW_AHEAD = timedelta(days=7)
#: An unpaid renewal keeps the membership valid this long past the paid period.
GRACE = timedelta(days=3)


def next_month(day: date) -> date:
    """The same day next month, or that month's last day (31 Jan -> 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def is_billed(membership: Membership) -> bool:
    plan = membership.plan
    return plan.billing_interval is BillingInterval.MONTH and plan.price_idr > 0


def open_period(membership: Membership, hub_id: int, start: date) -> Invoice | None:
    """The invoice of the period starting `start`, created unless it exists (two workers at
    once create one: the unique constraint decides). In the caller's transaction."""
    existing = _invoice_for(membership.id, start)
    if existing is not None:
        return None
    invoice = Invoice(
        membership_id=membership.id,
        member_id=membership.user_id,
        hub_id=hub_id,
        period_start=start,
        period_end=next_month(start),
        amount_idr=membership.plan.price_idr,
        status=InvoiceStatus.OPEN,
        due_on=start,
    )
    try:
        with savepoint():
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError:
        return None  # another worker invoiced it first
    return invoice


def start_billed_membership(
    member_id: int, plan_id: int, hub_id: int, starts_on: date, actor_id: int | None
) -> Invoice:
    """A paid monthly plan's membership, PENDING until its first invoice is paid (online, or
    at the desk)."""
    with transaction():
        invoice = _start(member_id, plan_id, hub_id, starts_on, actor_id)
    return invoice


def sell_plan_at_desk(
    hub_id: int,
    staff_id: int,
    member_id: int,
    plan_id: int,
    pay: DeskPayment,
    now: datetime | None = None,
) -> Payment:
    """A monthly plan from today at this hub, its first period paid at the desk: one
    transaction, so a refused payment leaves no membership behind."""
    now = now or utcnow()
    orders.check_desk_method(pay)
    with transaction():
        _require_staff(staff_id, hub_id)
        today = get_or_404(Hub, hub_id).today(now)
        invoice = _start(member_id, plan_id, hub_id, today, staff_id)
        payment = _pay(invoice, staff_id, pay, now)
    return payment


def _start(
    member_id: int, plan_id: int, hub_id: int, starts_on: date, actor_id: int | None
) -> Invoice:
    member = get_or_404(User, member_id, lock=True)
    plan = get_or_404(Plan, plan_id)
    hub = get_or_404(Hub, hub_id)
    if plan.is_deleted or not plan.allows_hub(hub.id):
        raise InvalidInput("that plan is not offered here", field="plan_id")
    membership = Membership(
        plan=plan, starts_on=starts_on, ends_on=starts_on, status=MembershipStatus.PENDING
    )
    if not is_billed(membership):
        raise InvalidInput("that plan is not billed monthly", field="plan_id")
    member.memberships.append(membership)
    db.session.flush()
    invoice = open_period(membership, hub.id, starts_on)
    assert invoice is not None  # a new membership has no invoice yet
    audit.record(
        "invoice_created",
        invoice,
        actor_id=actor_id,
        hub_id=hub.id,
        after=audit.snapshot(invoice, INVOICE_FIELDS),
    )
    return invoice


INVOICE_FIELDS = ("membership_id", "period_start", "period_end", "amount_idr", "status")


def renew(now: datetime | None = None, mailer: Mailer | None = None) -> list[int]:
    """Invoice the next period of every billed, active membership whose paid period ends
    within RENEW_AHEAD (the worker's `renew` job); the grace starts counting. Returns the new
    invoices' ids. Several workers at once create each invoice once, and the member is told
    (with `mailer`) once, by the worker that created it, after its commit."""
    now = now or utcnow()
    created: list[int] = []
    for membership_id, hub_id in _due_for_renewal(now):
        invoice_id = _renew_one(membership_id, hub_id)
        if invoice_id is None:
            continue
        created.append(invoice_id)
        if mailer is not None:
            mail_renewal(mailer, invoice_id)
    return created


def _renew_one(membership_id: int, hub_id: int) -> int | None:
    """Invoice one membership's next period in its own transaction; None if another worker
    did (the membership is then in its grace, past what is paid: re-checked under its lock)."""
    with transaction():
        membership = get_or_404(Membership, membership_id, lock=True)
        db.session.refresh(membership)
        paid_to = _paid_to(membership.id)
        if not is_billed(membership) or paid_to is None or membership.ends_on != paid_to:
            return None
        if not membership.renews:
            return None  # cancelled at period end: it lapses at paid_to
        if membership.next_plan_id is not None:
            # A change of plan: the next period is the new plan's first, on a membership of
            # its own; the old one stops renewing and keeps the grace meanwhile.
            membership.renews = False
            membership.ends_on = paid_to + GRACE
            return _start(membership.user_id, membership.next_plan_id, hub_id, paid_to, None).id
        invoice = open_period(membership, hub_id, paid_to)
        if invoice is None:
            return None
        membership.ends_on = invoice.period_start + GRACE
        audit.record(
            "invoice_created",
            invoice,
            actor_id=None,
            hub_id=hub_id,
            after=audit.snapshot(invoice, INVOICE_FIELDS),
        )
    return invoice.id


def cancel_at_period_end(member_id: int, membership_id: int) -> Membership:
    """The member's billed plan stops renewing: it runs to the end of what is paid. A renewal
    already invoiced and unpaid is voided (no grace: nothing more is owed)."""
    with transaction():
        membership = _members_billed(member_id, membership_id)
        before = audit.snapshot(membership, ("renews", "next_plan_id", "ends_on"))
        membership.renews, membership.next_plan_id = False, None
        paid_to = _paid_to(membership.id)
        renewal = _invoice_for(membership.id, paid_to) if paid_to is not None else None
        if renewal is not None and renewal.status is InvoiceStatus.OPEN:
            renewal.status = InvoiceStatus.VOID
            membership.ends_on = paid_to
        db.session.flush()
        audit.record(
            "renewal_cancelled",
            membership,
            actor_id=member_id,
            after=audit.snapshot(membership, ("renews", "next_plan_id", "ends_on")),
            before=before,
        )
    return membership


def change_plan_next_period(member_id: int, membership_id: int, plan_id: int) -> Membership:
    """Move to another billed plan from the next period: no proration, the period paid stays
    what it was paid for. Only before the next period is invoiced."""
    with transaction():
        membership = _members_billed(member_id, membership_id)
        plan = get_or_404(Plan, plan_id)
        paid_to = _paid_to(membership.id)
        if paid_to is None or membership.ends_on != paid_to or not membership.renews:
            raise InvalidInput("the next period is invoiced already", field="plan_id")
        billed_plan = plan.billing_interval is BillingInterval.MONTH and plan.price_idr > 0
        hub_id = _billing_hub(membership.id)
        if plan.is_deleted or not billed_plan or not plan.allows_hub(hub_id):
            raise InvalidInput("that plan is not offered here", field="plan_id")
        membership.next_plan_id = None if plan.id == membership.plan_id else plan.id
        audit.record(
            "plan_change_chosen",
            membership,
            actor_id=member_id,
            after={"next_plan_id": membership.next_plan_id, "from": paid_to.isoformat()},
        )
    return membership


def billed_memberships(member_id: int) -> list[Membership]:
    """The member's memberships that Ruang bills and that have been paid, newest first."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(
                Membership.user_id == member_id,
                Membership.status == MembershipStatus.ACTIVE,
                select(Invoice.id)
                .where(Invoice.membership_id == Membership.id, Invoice.status == InvoiceStatus.PAID)
                .exists(),
            )
            .order_by(Membership.starts_on.desc())
        )
    )


def _members_billed(member_id: int, membership_id: int) -> Membership:
    membership = get_or_404(Membership, membership_id, lock=True)
    if membership.user_id != member_id or _paid_to(membership.id) is None:
        raise NotFound("no such membership", id=membership_id)
    return membership


def _billing_hub(membership_id: int) -> int:
    hub_id = db.session.scalar(
        select(Invoice.hub_id)
        .where(Invoice.membership_id == membership_id)
        .order_by(Invoice.period_start.desc())
        .limit(1)
    )
    assert hub_id is not None  # billed memberships have invoices
    return int(hub_id)


def mail_renewal(mailer: Mailer, invoice_id: int) -> bool:
    """Tell the member their next period is invoiced, in their language; False without an
    email address."""
    invoice = get_or_404(Invoice, invoice_id)
    member = invoice.member
    if not member.has_real_email:
        return False
    hub = get_or_404(Hub, invoice.hub_id)
    with force_locale(member.locale or "id"):
        mailer.send(
            Mail(
                to=member.email,
                subject=gettext("Your Ruang plan renews on %(day)s", day=hub_date(invoice.due_on)),
                body=gettext(
                    "Hello %(name)s,\n\nYour plan %(plan)s at %(hub)s renews on %(day)s: "
                    "%(amount)s for %(start)s to %(end)s. Pay it online or at the front desk; "
                    "unpaid, your membership ends on %(lapse)s.\n\nRuang",
                    name=member.name,
                    plan=invoice.membership.plan.name,
                    hub=hub.name,
                    day=hub_date(invoice.due_on),
                    amount=rupiah(invoice.amount_idr),
                    start=hub_date(invoice.period_start),
                    end=hub_date(invoice.period_end),
                    lapse=hub_date(invoice.due_on + GRACE),
                ),
            )
        )
    return True


def mark_invoice_paid(invoice: Invoice, now: datetime) -> None:
    """OPEN -> PAID, and the membership runs to the period's end (the caller holds the lock)."""
    if invoice.status is not InvoiceStatus.OPEN:
        raise OrderNotPayable(f"invoice {invoice.id} is {invoice.status.value}")
    invoice.status = InvoiceStatus.PAID
    invoice.paid_at = now
    membership = invoice.membership
    membership.status = MembershipStatus.ACTIVE
    membership.ends_on = max(membership.ends_on or invoice.period_end, invoice.period_end)


def pay_invoice_at_desk(
    invoice_id: int, hub_id: int, staff_id: int, pay: DeskPayment, now: datetime | None = None
) -> Payment:
    """The desk takes a plan period's payment (a first period, or a renewal)."""
    now = now or utcnow()
    orders.check_desk_method(pay)
    with transaction():
        _require_staff(staff_id, hub_id)
        invoice = get_or_404(Invoice, invoice_id, lock=True)
        if invoice.hub_id != hub_id:
            raise NotFound("no such invoice at this hub", id=invoice_id)
        payment = _pay(invoice, staff_id, pay, now)
    return payment


def _pay(invoice: Invoice, staff_id: int, pay: DeskPayment, now: datetime) -> Payment:
    mark_invoice_paid(invoice, now)
    payment = ledger.record_payment(
        hub=get_or_404(Hub, invoice.hub_id),
        member_id=invoice.member_id,
        amount_idr=invoice.amount_idr,
        method=pay.method,
        recorded_by_id=staff_id,
        invoice=invoice,
        reference=pay.reference,
        note=pay.note,
        now=now,
    )
    orders.audit_payment("payment_recorded", payment, staff_id)
    return payment


def _require_staff(staff_id: int, hub_id: int) -> None:
    if not get_or_404(User, staff_id).can_staff(hub_id):
        raise Forbidden("only this hub's staff may take payments here")


def open_invoices_at(hub_id: int) -> list[Invoice]:
    """The hub's invoices waiting for payment, by due date."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.hub_id == hub_id, Invoice.status == InvoiceStatus.OPEN)
            .order_by(Invoice.due_on, Invoice.id)
        )
    )


def monthly_plans_at(hub: Hub | None) -> list[Plan]:
    """The billed monthly plans offered at the hub (None: anywhere), by price."""
    stmt = select(Plan).where(
        Plan.deleted_at.is_(None),
        Plan.billing_interval == BillingInterval.MONTH,
        Plan.price_idr > 0,
    )
    if hub is not None:
        stmt = stmt.where(Plan.allowing_hub(hub.id))
    return list(db.session.scalars(stmt.order_by(Plan.price_idr, Plan.name)))


@dataclass(frozen=True)
class Lapsed:
    invoice_id: int
    membership_id: int


def void_lapsed(now: datetime | None = None) -> list[Lapsed]:
    """Void renewals still unpaid when their grace is over (the membership has lapsed: its
    ends_on has passed). A member who pays later takes up a new membership."""
    now = now or utcnow()
    lapsed: list[Lapsed] = []
    open_ids = db.session.scalars(
        select(Invoice.id).where(
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.due_on <= now.date() + timedelta(days=1) - GRACE,
        )
    ).all()
    db.session.rollback()
    for invoice_id in open_ids:
        with transaction():
            invoice = get_or_404(Invoice, invoice_id, lock=True)
            db.session.refresh(invoice)
            hub = get_or_404(Hub, invoice.hub_id)
            if invoice.status is not InvoiceStatus.OPEN or hub.today(now) < invoice.due_on + GRACE:
                continue
            invoice.status = InvoiceStatus.VOID
            audit.record(
                "membership_lapsed",
                invoice.membership,
                actor_id=None,
                hub_id=hub.id,
                after={"invoice_id": invoice.id, "ends_on": str(invoice.membership.ends_on)},
            )
            lapsed.append(Lapsed(invoice.id, invoice.membership_id))
    return lapsed


def renewal_charges_due(now: datetime | None = None) -> list[int]:
    """Open invoices due by today that no provider attempt has started: what the Stripe
    integration charges off-session (payments.charge_for_invoice + payments.start_payment)."""
    now = now or utcnow()
    attempted = set(
        db.session.scalars(
            select(PaymentAttempt.reference).where(PaymentAttempt.reference.like("invoice-%"))
        )
    )
    soon = now.date() + timedelta(days=1)  # no hub's "today" is later than UTC's tomorrow
    due = db.session.scalars(
        select(Invoice)
        .join(Hub, Invoice.hub_id == Hub.id)
        .where(Invoice.status == InvoiceStatus.OPEN, Invoice.due_on <= soon)
        .order_by(Invoice.id)
    ).all()
    return [
        invoice.id
        for invoice in due
        if invoice.due_on <= _hub_today(invoice, now) and invoice.reference not in attempted
    ]


def _hub_today(invoice: Invoice, now: datetime) -> date:
    hub = db.session.get(Hub, invoice.hub_id)
    assert hub is not None  # invoices keep their hub (RESTRICT)
    return hub.today(now)


def member_invoices(member_id: int) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.member_id == member_id)
            .order_by(Invoice.period_start.desc())
        )
    )


def _paid_to(membership_id: int) -> date | None:
    """The end of the membership's last paid period."""
    return db.session.scalar(
        select(func.max(Invoice.period_end)).where(
            Invoice.membership_id == membership_id, Invoice.status == InvoiceStatus.PAID
        )
    )


def _invoice_for(membership_id: int, start: date) -> Invoice | None:
    return db.session.scalar(
        select(Invoice).where(Invoice.membership_id == membership_id, Invoice.period_start == start)
    )


def _due_for_renewal(now: datetime) -> list[tuple[int, int]]:
    """(membership id, billing hub id) of billed memberships whose paid period ends soon;
    the hub is the one that billed the last period."""
    horizon = now.date() + RENEW_AHEAD
    last = (
        select(Invoice.membership_id, Invoice.hub_id, Invoice.period_end)
        .where(Invoice.status == InvoiceStatus.PAID)
        .subquery()
    )
    rows = db.session.execute(
        select(Membership.id, last.c.hub_id)
        .join(last, last.c.membership_id == Membership.id)
        .join(Plan, Membership.plan_id == Plan.id)
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            Membership.ends_on.is_not(None),
            Membership.ends_on <= horizon,
            Membership.ends_on == last.c.period_end,
            Plan.billing_interval == BillingInterval.MONTH,
            Plan.price_idr > 0,
        )
    ).all()
    db.session.rollback()
    return [(row[0], row[1]) for row in rows]
