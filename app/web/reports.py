"""Impact report pages: hub admins see their hubs, programme admins everything; every table as
CSV, bar charts drawn as SVG on the server."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import db
from app.i18n import current_locale
from app.messages import describe
from app.models import Hub, utcnow
from app.services.errors import DomainError
from app.services.reports.impact import impact_report
from app.services.reports.scope import Level, Scope, visible_hub_ids
from app.services.reports.tables import as_csv, csv_text, report_tables, utilisation_tables
from app.services.reports.utilisation import utilisation_report
from app.web.admin import is_admin
from app.web.context import me
from app.web.floor_page import KIND_LABELS
from app.web.programmes_forms import STAGE_LABELS, STEP_LABELS

reports = Blueprint("reports", __name__, url_prefix="/reports")


@reports.before_request
def _admins_only() -> Response | None:
    if not current_user.is_authenticated:
        from app.extensions import login_manager

        return login_manager.unauthorized()
    if not is_admin(me()):
        abort(403)
    return None


def _scope() -> Scope:
    """The scope from the query string; defaults: the user's first hub (or the programme), the
    last 30 days."""
    args = request.args
    try:
        last = date.fromisoformat(args["to"]) if args.get("to") else utcnow().date()
        first = date.fromisoformat(args["from"]) if args.get("from") else last - timedelta(days=29)
        level = Level(
            args.get("level") or (Level.PROGRAMME if me().is_programme_admin else Level.HUB)
        )
    except ValueError:
        abort(400)
    name = (args.get("name") or "").strip()[:100]
    if level is Level.HUB and not name:
        name = next((h.slug for h in _hubs()), "")
    return Scope(level, name, first, last)


def _hubs() -> list[Hub]:
    visible = visible_hub_ids(me())
    stmt = select(Hub).order_by(Hub.name)
    if visible is not None:
        stmt = stmt.where(Hub.id.in_(visible))
    return list(db.session.scalars(stmt))


@reports.get("/impact")
def impact() -> str | tuple[str, int]:
    scope = _scope()
    hubs = _hubs()
    try:
        report = impact_report(scope, me())
    except DomainError as error:
        return render_template(
            "reports/impact.html",
            scope=scope,
            hubs=hubs,
            report=None,
            tables=[],
            error=describe(error),
            levels=Level,
        ), error.http_status
    tables = report_tables(report, current_locale(), STEP_LABELS, STAGE_LABELS)
    return render_template(
        "reports/impact.html",
        scope=scope,
        hubs=hubs,
        report=report,
        tables=tables,
        error=None,
        levels=Level,
    )


@reports.get("/impact/<table>.csv")
def impact_csv(table: str) -> Response:
    scope = _scope()
    report = impact_report(scope, me())
    tables = {t.name: t for t in report_tables(report, current_locale(), STEP_LABELS, STAGE_LABELS)}
    if table not in tables:
        abort(404)
    return _csv(as_csv(tables[table]), f"impact-{table}", scope)


@reports.get("/utilisation")
def utilisation() -> str | tuple[str, int]:
    scope = _scope()
    try:
        report = utilisation_report(scope, me())
    except DomainError as error:
        page = render_template(
            "reports/utilisation.html", scope=scope, hubs=_hubs(), report=None, grids=[],
            error=describe(error), levels=Level,
        )  # fmt: skip
        return page, error.http_status
    return render_template(
        "reports/utilisation.html", scope=scope, hubs=_hubs(), report=report,
        grids=utilisation_tables(report, KIND_LABELS), error=None, levels=Level,
    )  # fmt: skip


@reports.get("/utilisation/<table>.csv")
def utilisation_csv(table: str) -> Response:
    scope = _scope()
    grids = {g.name: g for g in utilisation_tables(utilisation_report(scope, me()), KIND_LABELS)}
    if table not in grids:
        abort(404)
    return _csv(csv_text(grids[table].header, grids[table].rows), f"utilisation-{table}", scope)


def _csv(text: str, what: str, scope: Scope) -> Response:
    filename = f"ruang-{what}-{scope.first_day}-{scope.last_day}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
