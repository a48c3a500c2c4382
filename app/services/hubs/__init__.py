"""Hubs: running a hub (details, calendar, floors, resources) and its front desk."""
