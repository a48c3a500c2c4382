"""Calendars: ICS feeds (per member, per room) and single-booking .ics files."""
