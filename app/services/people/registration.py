"""Member sign-up, email verification, log-in checks and password reset by mailed link.

Mail goes through the injected Mailer; links are built by the caller's `link` function from a
signed token, so this module knows nothing of URLs or HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models import (
    BusinessStage,
    Hub,
    Membership,
    MembershipStatus,
    Plan,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from app.services.booking.usage import today_at
from app.services.errors import InvalidInput
from app.services.notifications.mail import Mail, Mailer
from app.services.people.accounts import find_user_by_email, hash_password, password_matches
from app.services.people.consent import record_consent
from app.services.people.tokens import InvalidToken, Purpose, TokenSigner
from app.services.programmes.business import SECTOR_KBLI, BusinessInput, create_business
from app.services.transactions import transaction

Link = Callable[[str], str]


@dataclass(frozen=True)
class Registration:
    name: str
    email: str
    phone: str
    business_name: str
    sector: str
    kecamatan: str
    password: str
    consent: bool
    locale: str | None = None
    plan_id: int | None = None  # apply for this (subsidised) plan right away
    # Optional: with a stage, the business profile of the programme starts at sign-up.
    business_stage: BusinessStage | None = None
    people_employed: int = 1


def register_member(
    registration: Registration, mailer: Mailer, signer: TokenSigner, link: Link
) -> User:
    """Create an unverified member account and mail the verification link."""
    if not registration.consent:
        raise InvalidInput("you must agree to the personal-data notice to sign up")
    with transaction():
        if find_user_by_email(registration.email) is not None:
            raise InvalidInput("an account with this email already exists", field="email")
        user = User(
            email=registration.email,
            name=registration.name.strip(),
            phone=registration.phone.strip(),
            business_name=registration.business_name.strip(),
            sector=registration.sector.strip(),
            kecamatan=registration.kecamatan.strip(),
            locale=registration.locale,
            password_hash=hash_password(registration.password),
        )
        user.roles.append(RoleGrant(role=Role.MEMBER))
        if registration.plan_id is not None:
            plan = db.session.get(Plan, registration.plan_id)
            if plan is None or plan.is_deleted:
                raise InvalidInput("that plan is not offered", field="plan_id")
            # Subsidised plans wait for a hub admin's approval; free unsubsidised ones start now.
            status = (
                MembershipStatus.PENDING
                if plan.subsidised or plan.price_idr
                else MembershipStatus.ACTIVE
            )
            user.memberships.append(
                Membership(plan=plan, starts_on=first_day_of(plan, utcnow()), status=status)
            )
        db.session.add(user)
        db.session.flush()
        record_consent(user.id)
        if registration.business_stage is not None and registration.sector in SECTOR_KBLI:
            create_business(
                user,
                BusinessInput(
                    name=user.business_name or user.name,
                    kbli_section=SECTOR_KBLI[registration.sector],
                    stage=registration.business_stage,
                    people_employed=registration.people_employed,
                    kecamatan=user.kecamatan,
                ),
                utcnow().date(),
            )
        send_verification(user, mailer, signer, link)  # queued with the account, or not at all
    return user


def first_day_of(plan: Plan, now: datetime) -> date:
    """The start of a membership taken up now: today at the plan's hubs (the earliest date when
    they span zones, so it is in force today at each of them)."""
    hubs = plan.hubs if not plan.all_hubs else db.session.scalars(select(Hub).where(Hub.active))
    return min((hub.today(now) for hub in hubs), default=today_at(None, now))


def send_verification(user: User, mailer: Mailer, signer: TokenSigner, link: Link) -> None:
    token = signer.sign(Purpose.VERIFY_EMAIL, {"u": user.id, "e": user.email})
    with force_locale(user.locale or "id"):
        mailer.send(
            Mail(
                to=user.email,
                subject=gettext("Confirm your email for Ruang"),
                body=gettext(
                    "Hello %(name)s,\n\nPlease confirm your email address by opening this link "
                    "(valid for 3 days):\n\n%(link)s\n\nRuang",
                    name=user.name,
                    link=link(token),
                ),
            )
        )


def verify_email(signer: TokenSigner, token: str) -> User:
    payload = signer.read(Purpose.VERIFY_EMAIL, token)
    with transaction():
        user = db.session.get(User, payload.get("u"))
        if user is None or user.email != payload.get("e"):
            raise InvalidToken("this link is not valid")
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None (same work either way)."""
    user = find_user_by_email(email)
    if user is None:
        password_matches(User(email="nobody@invalid", name=""), password)
        return None
    return user if password_matches(user, password) else None


def request_password_reset(email: str, mailer: Mailer, signer: TokenSigner, link: Link) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_user_by_email(email)
    if user is None or not user.has_real_email:
        return  # walk-ins without a password may set one here: the link proves the mailbox
    token = signer.sign(Purpose.RESET_PASSWORD, {"u": user.id, "h": _hash_tag(user)})
    with force_locale(user.locale or "id"):
        mailer.send(
            Mail(
                to=user.email,
                subject=gettext("Reset your Ruang password"),
                body=gettext(
                    "Hello %(name)s,\n\nSomeone asked to reset your password. If it was you, open "
                    "this link within an hour; it works once:\n\n%(link)s\n\nIf not, ignore this "
                    "mail.\n\nRuang",
                    name=user.name,
                    link=link(token),
                ),
            )
        )


def reset_password(signer: TokenSigner, token: str, new_password: str) -> User:
    """Set a new password. The token names the old password hash, so it works only once."""
    payload = signer.read(Purpose.RESET_PASSWORD, token)
    with transaction():
        user = db.session.get(User, payload.get("u"), with_for_update=True)
        if user is None or payload.get("h") != _hash_tag(user):
            raise InvalidToken("this link has already been used or is not valid")
        user.password_hash = hash_password(new_password)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()  # they proved they read this mailbox
    return user


def set_locale(user_id: int, locale: str) -> None:
    with transaction():
        user = db.session.get(User, user_id)
        if user is not None:
            user.locale = locale


def _hash_tag(user: User) -> str:
    return (user.password_hash or "")[-16:]
