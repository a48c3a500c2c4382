"""Typed SQLAlchemy models, one module per aggregate. Importing this registers them all."""

from app.models.access import AccessEvent, Direction, Door, DoorKind, Pass, PassKey, PassKind
from app.models.api import (
    ApiToken,
    DeliveryStatus,
    IdempotentRequest,
    TokenKind,
    WebhookDelivery,
    WebhookEndpoint,
)
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
from app.models.consent import (
    CalendarFeed,
    ConsentRecord,
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
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
from app.models.outbox import NotificationOptOut, OutboxMessage, OutboxStatus
from app.models.plans import BillingInterval, Plan
from app.models.spaces import BookingMode, Floor, Resource, ResourceKind, Zone

__all__ = [
    "ACTIVE_STATUSES",
    "AccessEvent",
    "Adapter",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BillingInterval",
    "Booking",
    "BookingMode",
    "BookingSource",
    "BookingStatus",
    "CalendarFeed",
    "Closure",
    "ConsentRecord",
    "DataRequest",
    "DataRequestKind",
    "DataRequestStatus",
    "DeliveryStatus",
    "Device",
    "DeviceKind",
    "Direction",
    "Door",
    "DoorKind",
    "Floor",
    "Hub",
    "IdempotentRequest",
    "Membership",
    "MembershipStatus",
    "NotificationOptOut",
    "OccupancySample",
    "OpeningHours",
    "OutboxMessage",
    "OutboxStatus",
    "Pass",
    "PassKey",
    "PassKind",
    "Plan",
    "ProcessedMessage",
    "Resource",
    "ResourceKind",
    "Role",
    "RoleGrant",
    "TokenKind",
    "UnknownTimeZone",
    "User",
    "UserStatus",
    "WaitlistEntry",
    "WaitlistStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Zone",
    "ZoneOccupancy",
    "utcnow",
]
