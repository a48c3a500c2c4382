"""Domain errors. Each has a stable `code`; web and API map them to messages and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain said no. Nothing was changed."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 422


class BookingConflict(DomainError):
    """Someone else holds the resource (or the pool is full) for part of that time."""

    code = "booking_conflict"
    http_status = 409


class TooCloseToAnotherBooking(BookingConflict):
    code = "buffer_conflict"


class AlreadyBookedThatDay(BookingConflict):
    code = "one_desk_per_day"


class HubClosed(DomainError):
    code = "hub_closed"
    http_status = 422


class ResourceUnavailable(DomainError):
    code = "resource_inactive"
    http_status = 422


class InvalidDuration(DomainError):
    code = "invalid_duration"
    http_status = 422


class NotOnSlotBoundary(DomainError):
    code = "not_on_slot_boundary"
    http_status = 422


class InThePast(DomainError):
    code = "in_the_past"
    http_status = 422


class BeyondAdvanceWindow(DomainError):
    code = "beyond_advance_window"
    http_status = 422


class QuotaExceeded(DomainError):
    code = "quota_exceeded"
    http_status = 422


class NoActiveMembership(DomainError):
    code = "no_active_membership"
    http_status = 403


class PlanUnavailable(DomainError):
    code = "plan_unavailable"
    http_status = 422


class MemberSuspended(DomainError):
    code = "member_suspended"
    http_status = 403


class CancellationTooLate(DomainError):
    code = "cancellation_too_late"
    http_status = 422


class InvalidTransition(DomainError):
    """The booking is not in a state that allows this (e.g. checking in a cancelled booking)."""

    code = "invalid_transition"
    http_status = 409


class RegistrationClosed(DomainError):
    """The event is cancelled, over, or outside its registration window."""

    code = "registration_closed"
    http_status = 422


class NotEligible(DomainError):
    """The event is for members on another plan or at another programme step."""

    code = "not_eligible"
    http_status = 403


class AlreadyRegistered(DomainError):
    code = "already_registered"
    http_status = 409


class SlotTaken(BookingConflict):
    """Someone else booked this mentor's slot first, or the mentor has a slot at that time."""

    code = "slot_taken"


class StepAlreadyRecorded(DomainError):
    code = "step_already_recorded"
    http_status = 409


class OrderNotPayable(DomainError):
    """The order or invoice is paid already, or cancelled: nothing more to collect."""

    code = "order_not_payable"
    http_status = 409


class RefundTooLarge(DomainError):
    """A refund would return more than the payment has left."""

    code = "refund_too_large"
    http_status = 409


class NotRefundable(DomainError):
    code = "not_refundable"
    http_status = 422


class CashUpRecorded(DomainError):
    """The day's cash-up at this hub is recorded already."""

    code = "cash_up_recorded"
    http_status = 409


class NoPaymentProvider(DomainError):
    """Online payment is not configured: pay at the front desk."""

    code = "no_payment_provider"
    http_status = 422


class NoDayPassPlan(DomainError):
    """No plan with code "day-pass" is offered at the hub: an admin must create one."""

    code = "no_day_pass_plan"
    http_status = 422
