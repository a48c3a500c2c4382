"""Stripe as a payment provider: the SDK client, IDR amounts, customers, PaymentIntents,
refunds, off-session renewals and webhooks processed exactly once."""
