"""Integrations: API access tokens, idempotent API requests and outgoing webhooks."""
