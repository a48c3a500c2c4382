"""Admin pages for plans: programme admins create, edit and withdraw them; hub admins read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.models import BillingInterval, Plan
from app.services.errors import DomainError
from app.services.hubs import admin as hub_admin
from app.services.people import plans as plan_admin
from app.web.admin.forms import PlanForm, show_error
from app.web.context import me


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/plans", view_func=plans)
    bp.add_url_rule("/plans/new", view_func=new_plan, methods=["GET", "POST"])
    bp.add_url_rule("/plans/<int:plan_id>", view_func=plan, methods=["GET", "POST"])
    bp.add_url_rule("/plans/<int:plan_id>/delete", view_func=delete_plan, methods=["POST"])


def plans() -> str:
    return render_template(
        "admin/plans.html",
        plans=plan_admin.list_plans(include_deleted=True),
        can_edit=me().is_programme_admin,
    )


def new_plan() -> str | Response:
    _programme_admins_only()
    form = _plan_form()
    if form.validate_on_submit():
        try:
            created = plan_admin.create_plan(me(), _terms(form))
        except DomainError as error:
            show_error(form, error)
        else:
            flash(gettext("Plan %(name)s created.", name=created.name), "success")
            return redirect(url_for("admin.plans"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/plan.html", form=form, plan=None, can_edit=True), status  # type: ignore[return-value]


def plan(plan_id: int) -> str | Response:
    """A plan's terms: an edit form for programme admins, read-only for hub admins."""
    the_plan = plan_admin.get_plan(plan_id)
    can_edit = me().is_programme_admin and not the_plan.is_deleted
    form = _plan_form(the_plan)
    if form.is_submitted():
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            try:
                plan_admin.update_plan(me(), the_plan, _terms(form))
            except DomainError as error:
                show_error(form, error)
            else:
                flash(gettext("Plan %(name)s saved.", name=the_plan.name), "success")
                return redirect(url_for("admin.plans"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/plan.html", form=form, plan=the_plan, can_edit=can_edit), status  # type: ignore[return-value]


def delete_plan(plan_id: int) -> Response:
    _programme_admins_only()
    the_plan = plan_admin.delete_plan(me(), plan_admin.get_plan(plan_id))
    flash(
        gettext(
            "Plan %(name)s withdrawn. Current members keep it until it ends.", name=the_plan.name
        ),
        "success",
    )
    return redirect(url_for("admin.plans"))


def _programme_admins_only() -> None:
    if not me().is_programme_admin:
        abort(403)


def _plan_form(the_plan: Plan | None = None) -> PlanForm:
    form = PlanForm(prefix="plan", obj=the_plan)
    if the_plan is not None and not form.is_submitted():
        form.price_rupiah.data = the_plan.price_idr
        form.all_hubs.data = "all" if the_plan.all_hubs else "chosen"
        form.hub_ids.data = [hub.id for hub in the_plan.hubs]
    form.hub_ids.choices = [
        SelectChoice(hub.id, hub.name) for hub in hub_admin.administered_hubs(me())
    ]
    return form


def _terms(form: PlanForm) -> plan_admin.PlanTerms:
    return plan_admin.PlanTerms(
        code=form.code.data or "",
        name=form.name.data or "",
        price_rupiah=form.price_rupiah.data or 0,
        billing_interval=BillingInterval(form.billing_interval.data),
        all_hubs=form.all_hubs.data == "all",
        hub_ids=frozenset(form.hub_ids.data or []),
        desk_days_per_month=form.desk_days_per_month.data,
        room_hours_per_month=form.room_hours_per_month.data,
        advance_days=form.advance_days.data or 0,
        guests_per_month=form.guests_per_month.data or 0,
        subsidised=bool(form.subsidised.data),
    )
