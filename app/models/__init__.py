"""Typed SQLAlchemy models, one module per aggregate. Importing this registers them all."""

from app.models.access import AccessEvent, Direction, Door, DoorKind, Pass, PassKey, PassKind
from app.models.audit import AuditEntry
from app.models.base import Base, utcnow
from app.models.bookings import (
    ACTIVE_STATUSES,
    Booking,
    BookingSource,
    BookingStatus,
    WaitlistEntry,
    WaitlistStatus,
)
from app.models.devices import (
    Adapter,
    Device,
    DeviceKind,
    OccupancySample,
    ProcessedMessage,
    ZoneOccupancy,
)
from app.models.hubs import Closure, Hub, OpeningHours, UnknownTimeZone
from app.models.members import Membership, MembershipStatus, Role, RoleGrant, User, UserStatus
from app.models.plans import BillingInterval, Plan
from app.models.spaces import BookingMode, Floor, Resource, ResourceKind, Zone
from app.models.stripe import StripeCustomer, StripeEvent, StripeEventOutcome

__all__ = [
    "ACTIVE_STATUSES",
    "AccessEvent",
    "Adapter",
    "AuditEntry",
    "Base",
    "BillingInterval",
    "Booking",
    "BookingMode",
    "BookingSource",
    "BookingStatus",
    "Closure",
    "Device",
    "DeviceKind",
    "Direction",
    "Door",
    "DoorKind",
    "Floor",
    "Hub",
    "Membership",
    "MembershipStatus",
    "OccupancySample",
    "OpeningHours",
    "Pass",
    "PassKey",
    "PassKind",
    "Plan",
    "ProcessedMessage",
    "Resource",
    "ResourceKind",
    "Role",
    "RoleGrant",
    "StripeCustomer",
    "StripeEvent",
    "StripeEventOutcome",
    "UnknownTimeZone",
    "User",
    "UserStatus",
    "WaitlistEntry",
    "WaitlistStatus",
    "Zone",
    "ZoneOccupancy",
    "utcnow",
]
