"""Notifications: outgoing messages (mail)."""
