"""Booking: the rules, placement, availability, recurring series, the waitlist and usage."""
