"""Sign up, verify email, log in and out, reset a password, choose a language."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.extensions import db, limiter
from app.i18n import SUPPORTED_LOCALES, current_locale
from app.messages import describe
from app.models import BusinessStage, Plan
from app.services.errors import DomainError, InvalidInput
from app.services.people import registration
from app.web.auth_forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from app.web.context import external_link, mailer, signer
from app.web.redirects import local_path, same_site_referrer

auth = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config.get("RUANG_LOGIN_LIMIT", "10 per minute; 50 per hour"))


def _account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


@auth.route("/signup", methods=["GET", "POST"])
def signup() -> str | Response:
    form = SignupForm()
    plans = db.session.scalars(
        select(Plan).where(Plan.deleted_at.is_(None), Plan.subsidised).order_by(Plan.name)
    ).all()
    form.plan_id.choices = [SelectChoice(0, gettext("Decide later"))] + [
        SelectChoice(p.id, p.name) for p in plans
    ]
    if form.validate_on_submit():
        try:
            user = registration.register_member(
                registration.Registration(
                    name=form.name.data or "",
                    email=form.email.data or "",
                    phone=form.phone.data or "",
                    business_name=form.business_name.data or "",
                    sector=form.sector.data or "",
                    kecamatan=form.kecamatan.data or "",
                    password=form.password.data or "",
                    consent=bool(form.consent.data),
                    locale=current_locale(),
                    plan_id=form.plan_id.data or None,
                    business_stage=(
                        BusinessStage(form.business_stage.data)
                        if form.business_stage.data
                        else None
                    ),
                    people_employed=(
                        form.people_employed.data if form.people_employed.data is not None else 1
                    ),
                ),
                mailer(),
                signer(),
                external_link("auth.verify"),
            )
        except InvalidInput as error:
            field = getattr(form, str(error.details.get("field", "")), None)
            (field.errors if field else form.form_errors).append(describe_signup(error))
        else:
            return render_template("auth/check_mail.html", email=user.email)
    return render_template("auth/signup.html", form=form)


def describe_signup(error: DomainError) -> str:
    if error.details.get("field") == "email":
        return gettext("An account with this email already exists. Log in or reset your password.")
    return describe(error)


@auth.get("/verify/<token>")
def verify(token: str) -> str | Response:
    try:
        registration.verify_email(signer(), token)
    except DomainError as error:
        return render_template(
            "errors/error.html", title=gettext("Link not valid"), message=describe(error)
        ), 400  # type: ignore[return-value]
    flash(gettext("Your email is confirmed. You can log in now."), "success")
    return redirect(url_for("auth.login"))


@auth.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("public.index"))
    form = LoginForm()
    unverified = False
    if form.validate_on_submit():
        user = registration.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            form.form_errors.append(gettext("Wrong email or password."))
        elif user.is_suspended:
            form.form_errors.append(gettext("This account is suspended. Please contact the hub."))
        elif user.email_verified_at is None:
            unverified = True
            session["unverified_email"] = user.email
            form.form_errors.append(
                gettext("Please confirm your email first: open the link we sent you.")
            )
        else:
            login_user(user, remember=bool(form.remember.data))
            session.permanent = True
            return redirect(_next_page() or url_for("public.index"))
    return render_template("auth/login.html", form=form, unverified=unverified)


@auth.post("/verify/resend")
@limiter.limit("3 per hour")
def resend_verification() -> Response:
    from app.services.people.accounts import find_user_by_email

    email = session.get("unverified_email")
    user = find_user_by_email(email) if email else None
    if user is not None and user.email_verified_at is None:
        registration.send_verification(user, mailer(), signer(), external_link("auth.verify"))
    flash(gettext("If that account is waiting for confirmation, we sent the link again."), "info")
    return redirect(url_for("auth.login"))


@auth.post("/logout")
def logout() -> Response:
    logout_user()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("public.index"))


@auth.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password() -> str | Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        registration.request_password_reset(
            form.email.data or "", mailer(), signer(), external_link("auth.reset_password")
        )
        flash(
            gettext("If an account uses that email, we sent it a link to reset the password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@auth.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            registration.reset_password(signer(), token, form.password.data or "")
        except DomainError as error:
            form.form_errors.append(describe(error))
        else:
            flash(gettext("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@auth.post("/language/<locale>")
def choose_language(locale: str) -> Response:
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            registration.set_locale(current_user.id, locale)
    return redirect(_next_page() or same_site_referrer() or url_for("public.index"))


def _next_page() -> str | None:
    """The page to return to, if the request names one on this site."""
    return local_path(request.args.get("next") or request.form.get("next"))
