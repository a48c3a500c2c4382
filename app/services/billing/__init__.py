"""Billing: orders, invoices, payment providers (Stripe, manual), the ledger, receipts, refunds
and the daily cash-up. Every amount is whole rupiah (docs/payments.md)."""
