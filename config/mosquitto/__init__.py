"""Mosquitto support: its password-file format, and an embedded broker for machines without it."""
