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
from app.models.businesses import (
    KBLI_SECTIONS,
    AgeBand,
    BusinessProfile,
    BusinessStage,
    EmploymentRecord,
    Gender,
    ProgrammeStep,
    StepRecord,
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
from app.models.events import Event, EventKind, EventRegistration, RegistrationStatus
from app.models.hubs import Closure, Hub, OpeningHours, UnknownTimeZone
from app.models.members import Membership, MembershipStatus, Role, RoleGrant, User, UserStatus
from app.models.mentoring import MentoringSession, MentorSlot, SessionStatus
from app.models.outbox import NotificationOptOut, OutboxMessage, OutboxStatus
from app.models.plans import BillingInterval, Plan
from app.models.spaces import BookingMode, Floor, Resource, ResourceKind, Zone

__all__ = [
    "ACTIVE_STATUSES",
    "KBLI_SECTIONS",
    "AccessEvent",
    "Adapter",
    "AgeBand",
    "AuditEntry",
    "Base",
    "BillingInterval",
    "Booking",
    "BookingMode",
    "BookingSource",
    "BookingStatus",
    "BusinessProfile",
    "BusinessStage",
    "CalendarFeed",
    "Closure",
    "ConsentRecord",
    "DataRequest",
    "DataRequestKind",
    "DataRequestStatus",
    "Device",
    "DeviceKind",
    "Direction",
    "Door",
    "DoorKind",
    "EmploymentRecord",
    "Event",
    "EventKind",
    "EventRegistration",
    "Floor",
    "Gender",
    "Hub",
    "Membership",
    "MembershipStatus",
    "MentorSlot",
    "MentoringSession",
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
    "ProgrammeStep",
    "RegistrationStatus",
    "Resource",
    "ResourceKind",
    "Role",
    "RoleGrant",
    "SessionStatus",
    "StepRecord",
    "UnknownTimeZone",
    "User",
    "UserStatus",
    "WaitlistEntry",
    "WaitlistStatus",
    "Zone",
    "ZoneOccupancy",
    "utcnow",
]
