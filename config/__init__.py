"""Deployment settings and service configuration for Ruang (read at start-up, never at import)."""
