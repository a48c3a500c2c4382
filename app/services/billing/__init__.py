"""Billing: orders, invoices, payment providers (Stripe, manual), ledger, receipts."""
