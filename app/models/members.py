"""Users, their roles (staff roles scoped to hubs) and their memberships."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    or_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.base import Base, UTCDateTime, utcnow
from app.models.hubs import Hub
from app.models.plans import Plan
from app.models.types import enum_column


class Role(enum.StrEnum):
    MEMBER = "member"
    FRONTDESK = "frontdesk"
    HUB_ADMIN = "hub_admin"
    PROGRAMME_ADMIN = "programme_admin"
    MENTOR = "mentor"  # business leaders, pendamping: office hours, not the front desk


STAFF_ROLES = frozenset({Role.FRONTDESK, Role.HUB_ADMIN})

#: Walk-ins registered without an email get a never-delivered placeholder in this domain.
WALK_IN_EMAIL_DOMAIN = "walk-in.invalid"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class MembershipStatus(enum.StrEnum):
    PENDING = "pending"  # applied for a subsidised plan, awaiting approval
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), default="")
    business_name: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(100), default="")
    kecamatan: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str | None] = mapped_column(String(8), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[UserStatus] = mapped_column(
        enum_column(UserStatus, "user_status"), default=UserStatus.ACTIVE
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Consent to the personal-data notice (UU PDP 27/2022): when, and to which version.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    consent_version: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.starts_on"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_suspended

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def has_real_email(self) -> bool:
        return not self.email.endswith("@" + WALK_IN_EMAIL_DOMAIN)

    @property
    def is_staff(self) -> bool:
        return any(grant.role not in (Role.MEMBER, Role.MENTOR) for grant in self.roles)

    @property
    def is_mentor(self) -> bool:
        return any(grant.role is Role.MENTOR for grant in self.roles)

    def staff_hub_ids(self) -> set[int] | None:
        """Hubs this user staffs; None means every hub (programme admin)."""
        if self.is_programme_admin:
            return None
        return {g.hub_id for g in self.roles if g.role in STAFF_ROLES and g.hub_id is not None}

    @property
    def is_suspended(self) -> bool:
        return self.status is UserStatus.SUSPENDED

    def has_role(self, role: Role, hub_id: int | None = None) -> bool:
        """True if the user holds `role` (at `hub_id`, for hub-scoped roles)."""
        if role is not Role.PROGRAMME_ADMIN and self.is_programme_admin:
            return True
        return any(
            grant.role is role and (hub_id is None or grant.hub_id in (None, hub_id))
            for grant in self.roles
        )

    @property
    def is_programme_admin(self) -> bool:
        return any(grant.role is Role.PROGRAMME_ADMIN for grant in self.roles)

    def can_staff(self, hub_id: int) -> bool:
        """May work the front desk at this hub."""
        return self.has_role(Role.FRONTDESK, hub_id) or self.has_role(Role.HUB_ADMIN, hub_id)

    def can_administer(self, hub_id: int) -> bool:
        return self.has_role(Role.HUB_ADMIN, hub_id)

    def membership_on(self, day: date, hub_id: int | None = None) -> Membership | None:
        """The active membership covering `day` (and allowing `hub_id`, if given).

        One on a plan still offered wins over one on a withdrawn (deleted) plan.
        """
        covering = [
            membership
            for membership in self.memberships
            if membership.covers(day) and (hub_id is None or membership.plan.allows_hub(hub_id))
        ]
        current = (membership for membership in covering if not membership.plan.is_deleted)
        return next(current, covering[0] if covering else None)


class RoleGrant(Base):
    """A role held by a user; staff roles name the hub they apply to."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "hub_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(back_populates="roles")
    hub: Mapped[Hub | None] = relationship()


class Membership(Base):
    """A member on a plan for a period [starts_on, ends_on); ends_on None means open-ended."""

    __tablename__ = "memberships"
    __table_args__ = (Index("ix_memberships_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    # Billed memberships (app.services.billing.invoices): False once cancelled at period end;
    # next_plan_id is the plan the member moves to from the next period.
    renews: Mapped[bool] = mapped_column(default=True, server_default=true())
    next_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    # A membership is read for its plan's rules nearly every time: load the plan with it.
    plan: Mapped[Plan] = relationship(foreign_keys=[plan_id], lazy="joined", innerjoin=True)
    next_plan: Mapped[Plan | None] = relationship(foreign_keys=[next_plan_id])

    def covers(self, day: date) -> bool:
        return (
            self.status is MembershipStatus.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day < self.ends_on)
        )

    @classmethod
    def covering(cls, day: date | ColumnElement[date]) -> ColumnElement[bool]:
        """covers(day) as a SQL condition."""
        return and_(
            cls.status == MembershipStatus.ACTIVE,
            cls.starts_on <= day,
            or_(cls.ends_on.is_(None), cls.ends_on > day),
        )
