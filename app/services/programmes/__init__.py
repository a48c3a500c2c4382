"""Programmes: business profiles, OK OCE steps, events and registrations, mentoring."""
