"""The audit log page: who did what, when (in the hub's zone), with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, render_template, request
from flask_babel import gettext
from wtforms.fields.choices import SelectChoice

from app.i18n import current_locale
from app.models import AuditEntry
from app.services.audit import AuditFilter, list_entries
from app.services.hubs import admin as hub_admin
from app.web.admin.forms import AuditForm
from app.web.context import admin_hub, me

#: Actions the admin pages record, offered as suggestions in the filter.
KNOWN_ACTIONS = (
    "hub.create",
    "hub.update",
    "hub.hours",
    "closure.add",
    "closure.delete",
    "closure.import",
    "floor.create",
    "floor.update",
    "resource.create",
    "resource.update",
    "plan.create",
    "plan.update",
    "plan.delete",
    "membership.approve",
    "membership.reject",
    "member.suspend",
    "member.reactivate",
    "role.grant",
    "role.revoke",
)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/audit", view_func=audit)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def audit() -> str:
    form = AuditForm(request.args)
    hubs = hub_admin.administered_hubs(me())
    everything = me().is_programme_admin
    form.hub.choices = [SelectChoice("", gettext("All hubs"))] + [
        SelectChoice(hub.slug, hub.name) for hub in hubs
    ]
    entries: list[AuditEntry] = []
    if form.validate():
        hub = admin_hub(form.hub.data) if form.hub.data else None
        zone = hub.zone if hub is not None else UTC
        hub_ids = {hub.id} if hub else (None if everything else {h.id for h in hubs})
        entries = list_entries(
            AuditFilter(
                hub_ids=hub_ids,
                action=(form.action.data or "").strip() or None,
                actor_email=(form.actor.data or "").strip() or None,
                since=_start_of(form.since.data, zone),
                until=_start_of(form.until.data + timedelta(days=1), zone)
                if form.until.data
                else None,
            )
        )
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries,
        actions=KNOWN_ACTIONS,
        when=when,
        changes=changes,
    )


def _start_of(day: date | None, zone: ZoneInfo | Any) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def when(entry: AuditEntry) -> str:
    """When it happened: in the hub's zone with its label, or in UTC for programme-wide acts."""
    zone, label = (entry.hub.zone, entry.hub.zone_label) if entry.hub else (UTC, "UTC")
    text = format_datetime(entry.at, "d MMM y, HH:mm", tzinfo=zone, locale=current_locale())
    return f"{text} {label}"


def changes(entry: AuditEntry) -> list[Change]:
    """The fields that differ between before and after (all of them for a creation or removal)."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for name in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        rows.append(
            Change(
                name, _shown(old) if name in before else "", _shown(new) if name in after else ""
            )
        )
    return rows


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)
