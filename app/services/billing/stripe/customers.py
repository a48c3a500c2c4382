"""One Stripe customer per member: looked up in Ruang's database, created once at Stripe.

Stripe's call happens outside any database transaction (no lock is held across the network).
Two requests racing for a member's first payment may both create a customer at Stripe (the
idempotency key makes Stripe answer both with one customer; a server that ignores keys, like
localstripe, makes two); the unique member_id decides which one Ruang keeps, and the other is
deleted at Stripe again."""

from __future__ import annotations

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import StripeCustomer
from app.services.billing.stripe.errors import provider_errors
from app.services.transactions import transaction


def customer_for(member_id: int) -> str | None:
    """The member's Stripe customer id, if Ruang has one."""
    return db.session.scalar(
        select(StripeCustomer.customer_id).where(StripeCustomer.member_id == member_id)
    )


def ensure_customer(client: stripe.StripeClient, member_id: int, email: str) -> str:
    """The member's Stripe customer id, creating the customer at Stripe the first time."""
    existing = customer_for(member_id)
    if existing is not None:
        return existing
    with provider_errors():
        created = client.v1.customers.create(
            params={"email": email, "metadata": {"ruang_member_id": str(member_id)}},
            options={"idempotency_key": f"ruang:member-{member_id}:customer"},
        )
    try:
        with transaction():
            # Under SQLite's write lock a racer's row is visible here; on PostgreSQL the
            # unique constraint decides at the insert.
            kept = customer_for(member_id)
            if kept is None:
                db.session.add(StripeCustomer(member_id=member_id, customer_id=created.id))
    except IntegrityError:
        kept = customer_for(member_id)
        if kept is None:  # not the race: something else is wrong
            raise
    if kept is not None and kept != created.id:
        with provider_errors():
            client.v1.customers.delete(created.id)
        return kept
    return str(created.id)
