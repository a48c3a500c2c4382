"""Admin pages for people: members (applications, suspension) and staff roles.

Hub admins act for one of their hubs at a time (the hub chosen on the page); programme admins
may also act programme-wide. Staff role rules are in app.services.people.members.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.models import Hub, Role
from app.services.errors import InvalidInput
from app.services.hubs import admin as hub_admin
from app.services.people import members as member_admin
from app.web.admin.forms import DecisionForm, GrantForm, MemberSearchForm, show_error
from app.web.auth_forms import SECTORS
from app.web.context import admin_hub, mailer, me
from app.web.member import STATUS_LABELS


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/members", view_func=members)
    bp.add_url_rule("/members/applications/<int:membership_id>", view_func=decide, methods=["POST"])
    bp.add_url_rule("/members/<int:user_id>/suspend", view_func=suspend, methods=["POST"])
    bp.add_url_rule("/members/<int:user_id>/reactivate", view_func=reactivate, methods=["POST"])
    bp.add_url_rule("/staff", view_func=staff)
    bp.add_url_rule("/staff/grant", view_func=grant, methods=["POST"])
    bp.add_url_rule("/staff/grants/<int:grant_id>/revoke", view_func=revoke, methods=["POST"])


# -- members ------------------------------------------------------------------------------------


def members() -> str:
    return _render_members(_acting_slug())


def decide(membership_id: int) -> str | Response:
    slug = _acting_slug()
    form = DecisionForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            membership = member_admin.decide_application(
                me(),
                membership_id,
                approve=approve,
                reason=form.reason.data or "",
                hub_id=_hub_id(slug),
                mailer=mailer(),
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(
                gettext("%(name)s is approved; we mailed them.", name=membership.user.name)
                if approve
                else gettext(
                    "Application rejected; we mailed %(name)s.", name=membership.user.name
                ),
                "success",
            )
            return redirect(url_for("admin.members", hub=slug))
    return _render_members(slug, failed=(membership_id, form)), 422  # type: ignore[return-value]


def suspend(user_id: int) -> Response:
    return _set_suspended(user_id, suspended=True)


def reactivate(user_id: int) -> Response:
    return _set_suspended(user_id, suspended=False)


def _set_suspended(user_id: int, *, suspended: bool) -> Response:
    slug = _acting_slug()
    user = member_admin.set_suspended(me(), user_id, suspended=suspended, hub_id=_hub_id(slug))
    flash(
        gettext("%(name)s is suspended.", name=user.name)
        if suspended
        else gettext("%(name)s is active again.", name=user.name),
        "success",
    )
    return redirect(url_for("admin.members", hub=slug, q=request.form.get("q", "")))


def _render_members(slug: str, failed: tuple[int, DecisionForm] | None = None) -> str:
    hubs = hub_admin.administered_hubs(me())
    search = MemberSearchForm(request.args)
    search.hub.choices = _hub_choices(hubs, allow_all=me().is_programme_admin)
    search.hub.data = slug
    hub_id = _hub_id(slug)
    return render_template(
        "admin/members.html",
        search=search,
        slug=slug,
        members=member_admin.list_members(me(), hub_id, search.q.data or ""),
        applications=member_admin.pending_applications(me(), hub_id),
        failed=failed,
        blank=DecisionForm(formdata=None),
        status_labels=STATUS_LABELS,
        sector_labels={choice.value: choice.label for choice in SECTORS},
    )


def _acting_slug() -> str:
    """The hub the admin acts for: the one asked for, else (hub admins) their first hub."""
    slug = request.values.get("hub", "")
    if slug:
        admin_hub(slug)  # 404 / 403 for a hub that is not theirs
        return slug
    if me().is_programme_admin:
        return ""
    return hub_admin.administered_hubs(me())[0].slug


def _hub_id(slug: str) -> int | None:
    return admin_hub(slug).id if slug else None


def _hub_choices(hubs: list[Hub], allow_all: bool) -> list[SelectChoice]:
    choices = [SelectChoice(hub.slug, hub.name) for hub in hubs]
    return [SelectChoice("", gettext("All hubs")), *choices] if allow_all else choices


# -- staff --------------------------------------------------------------------------------------


def staff() -> str:
    return _render_staff(_grant_form(fresh=True))


def grant() -> str | Response:
    form = _grant_form()
    if form.validate_on_submit():
        try:
            granted = member_admin.grant_role(
                me(), form.email.data or "", Role(form.role.data), _hub_id(form.hub.data or "")
            )
        except InvalidInput as error:
            show_error(form, error)
        else:
            flash(gettext("Role given to %(name)s.", name=granted.user.name), "success")
            return redirect(url_for("admin.staff"))
    return _render_staff(form), 422  # type: ignore[return-value]


def revoke(grant_id: int) -> Response:
    member_admin.revoke_role(me(), grant_id)
    flash(gettext("Role removed."), "success")
    return redirect(url_for("admin.staff"))


def _grant_form(fresh: bool = False) -> GrantForm:
    form = GrantForm(formdata=None) if fresh else GrantForm()
    programme = me().is_programme_admin
    if not programme:
        form.role.choices = [SelectChoice(Role.FRONTDESK.value, gettext("Front desk"))]
    form.hub.choices = _hub_choices(hub_admin.administered_hubs(me()), allow_all=False)
    if programme:
        form.hub.choices.insert(0, SelectChoice("", gettext("None (programme admin)")))
    return form


def _render_staff(form: GrantForm) -> str:
    return render_template(
        "admin/staff.html",
        grants=member_admin.list_staff(me()),
        form=form,
        me=me(),
    )
