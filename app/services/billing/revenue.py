"""Revenue per hub per month, from the ledger: payments, refunds and net, by method."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from app.models import Hub, Payment, PaymentMethod
from app.services.billing import ledger
from app.services.errors import InvalidInput


@dataclass(frozen=True)
class MethodRevenue:
    method: PaymentMethod
    totals: ledger.Totals


@dataclass(frozen=True)
class MonthRevenue:
    hub: Hub
    month: date  # the first of the month, hub-local
    entries: list[Payment]
    total: ledger.Totals
    by_method: list[MethodRevenue]


def parse_month(text: str | None, default: date) -> date:
    """`2026-11` -> date(2026, 11, 1); empty -> the first of `default`'s month."""
    if not text:
        return default.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise InvalidInput("a month is written 2026-11", field="month") from exc


def month_revenue(hub: Hub, month: date) -> MonthRevenue:
    """The hub's ledger over its local calendar month."""
    first = month.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start, _ = hub.local_day_bounds(first)
    end, _ = hub.local_day_bounds(after)
    entries = ledger.entries_between(hub.id, start, end)
    by_method = [
        MethodRevenue(method, ledger.totals(entries, method))
        for method in PaymentMethod
        if any(e.method is method for e in entries)
    ]
    return MonthRevenue(hub, first, entries, ledger.totals(entries), by_method)


CSV_COLUMNS = (
    "recorded_at_local",
    "receipt_number",
    "kind",
    "method",
    "amount_idr",
    "signed_idr",
    "member",
    "reference",
    "provider",
    "provider_ref",
    "recorded_by",
    "note",
)


def revenue_csv(revenue: MonthRevenue) -> str:
    """The month's ledger as CSV, one row per entry, amounts in whole rupiah."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    zone = revenue.hub.zone
    for entry in revenue.entries:
        writer.writerow(
            [
                entry.recorded_at.astimezone(zone).isoformat(timespec="seconds"),
                entry.receipt_number or "",
                entry.kind.value,
                entry.method.value,
                entry.amount_idr,
                entry.signed_idr,
                _safe(entry.member.name if entry.member else ""),
                _safe(entry.reference),
                entry.provider or "",
                entry.provider_ref or "",
                _safe(entry.recorded_by.email if entry.recorded_by else ""),
                _safe(entry.note),
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """No formula injection: a cell a spreadsheet would evaluate starts with a quote."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
