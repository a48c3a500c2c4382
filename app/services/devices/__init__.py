"""Devices: the registry and its MQTT credentials, commands, device reports, occupancy."""
