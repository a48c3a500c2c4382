"""JSON API, the Stripe webhook endpoint and outgoing webhooks."""
