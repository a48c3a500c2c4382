"""Typed SQLAlchemy models, one module per aggregate. Importing this registers them all."""

from app.models.access import AccessEvent, Direction, Door, DoorKind, Pass, PassKey, PassKind
from app.models.audit import AuditEntry
from app.models.base import Base, utcnow
from app.models.billing import (
    HubBilling,
    Invoice,
    InvoiceStatus,
    LineKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentAttempt,
    PaymentMethod,
)
from app.models.bookings import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
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
from app.models.ledger import CashUp, EntryKind, Payment, ReceiptCounter
from app.models.members import Membership, MembershipStatus, Role, RoleGrant, User, UserStatus
from app.models.plans import BillingInterval, Plan
from app.models.spaces import BookingMode, Floor, Resource, ResourceKind, Zone

__all__ = [
    "ACTIVE_STATUSES",
    "HOLDING_STATUSES",
    "AccessEvent",
    "Adapter",
    "AuditEntry",
    "Base",
    "BillingInterval",
    "Booking",
    "BookingMode",
    "BookingSource",
    "BookingStatus",
    "CashUp",
    "Closure",
    "Device",
    "DeviceKind",
    "Direction",
    "Door",
    "DoorKind",
    "EntryKind",
    "Floor",
    "Hub",
    "HubBilling",
    "Invoice",
    "InvoiceStatus",
    "LineKind",
    "Membership",
    "MembershipStatus",
    "OccupancySample",
    "OpeningHours",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Pass",
    "PassKey",
    "PassKind",
    "Payment",
    "PaymentAttempt",
    "PaymentMethod",
    "Plan",
    "ProcessedMessage",
    "ReceiptCounter",
    "Resource",
    "ResourceKind",
    "Role",
    "RoleGrant",
    "UnknownTimeZone",
    "User",
    "UserStatus",
    "WaitlistEntry",
    "WaitlistStatus",
    "Zone",
    "ZoneOccupancy",
    "utcnow",
]
