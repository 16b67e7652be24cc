"""Account pages: thin views over accounts.services."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from hackathon.accounts import bp, services, two_factor_services
from hackathon.accounts import two_factor_views  # its routes register on this blueprint
from hackathon.accounts.forms import (ApiTokenForm, ChangePasswordForm, EmailForm, LanguageForm, LoginForm,
                                      NewPasswordForm, ProfileForm, RegisterForm)
from hackathon.accounts.models import ApiToken
from hackathon.errors import DomainError, InvalidToken
from hackathon.extensions import db, limiter
from hackathon.forms import EmptyForm
from hackathon.i18n import current_locale
from hackathon.permissions import is_safe_next


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_user(name=form.name.data, email=form.email.data, password=form.password.data,
                                   locale=current_locale())
        except services.InvalidEmail as error:
            form.email.errors.append(error.message)
        except services.WeakPassword as error:
            form.password.errors.append(error.message)
        else:
            return render_template("accounts/check_mail.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    try:
        services.confirm_email(token)
    except InvalidToken as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.resend_confirmation"))
    flash(_("Your email address is confirmed. You can sign in now."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def resend_confirmation():
    form = EmailForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data, locale=current_locale())
        return render_template("accounts/check_mail.html", email=form.email.data)
    return render_template("accounts/resend_confirmation.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():  # not limited per address: failures are counted per account and per address (services.authenticate)
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("events.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_address=get_remote_address())
        except services.SignInLimited as error:
            flash(error.message, "error")
            response = make_response(render_template(
                "accounts/login.html", form=form, next_url=next_url if is_safe_next(next_url) else None), 429)
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        except DomainError as error:
            flash(error.message, "error")
        else:
            locale = current_locale()  # read before clearing the session, which holds the language picked
            if two_factor_services.is_enabled(user):  # not signed in until the code passes too
                return two_factor_views.begin_sign_in(user, remember=form.remember.data, locale=locale,
                                                      next_url=next_url if is_safe_next(next_url) else None)
            session.clear()  # a fresh session on sign-in (no fixation)
            login_user(user, remember=form.remember.data)
            if user.locale is None:
                services.set_locale(user, locale)
            return redirect(next_url if is_safe_next(next_url) else url_for("events.index"))
    return render_template("accounts/login.html", form=form, next_url=next_url if is_safe_next(next_url) else None)


def start_device_session(app, user, **_extra) -> None:
    """On every sign-in (Flask-Login's `user_logged_in`): a server-side session for this browser, whose
    key the session and remember-me cookies carry instead of the bare account id."""
    services.start_session(user, remembered=session.get("_remember") == "set",
                           user_agent=request.headers.get("User-Agent"), address=get_remote_address())
    session["_user_id"] = user.get_id()


def _carry_new_session_key() -> None:
    """After this browser's session got a new key: the session cookie, and the remember-me cookie if it has
    one, carry the new key (Flask-Login writes the cookie from the session at the end of the request)."""
    session["_user_id"] = current_user.get_id()
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        session["_remember"] = "set"


def _this_session():
    return current_user.current_session if current_user.is_authenticated else None


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        if _this_session() is not None:
            services.end_session(_this_session())  # a copied session or remember-me cookie dies too
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("events.index"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    if EmptyForm().validate_on_submit():
        services.end_other_sessions(current_user, _this_session())
        flash(_("You were signed out on every other device."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/sessions/<id:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("accounts.profile"))
    this = _this_session()
    services.end_session_of(current_user, session_id)  # NotFound (404) unless it is one of theirs
    if this is not None and this.id == session_id:
        logout_user()
        flash(_("You are signed out."), "success")
        return redirect(url_for("events.index"))
    flash(_("That device is signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def reset_request():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, locale=current_locale())
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except InvalidToken as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.reset_request"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            revoked = services.reset_password(token, form.password.data)[1]
        except services.WeakPassword as error:
            form.password.errors.append(error.message)
        except InvalidToken as error:
            flash(error.message, "error")
            return redirect(url_for("accounts.reset_request"))
        else:
            logout_user()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            if revoked:
                flash(ngettext("%(num)d API token was revoked with the reset: create a new one if a script "
                               "needs it.",
                               "%(num)d API tokens were revoked with the reset: create new ones if scripts "
                               "need them.", revoked), "info")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.skills.data = ", ".join(current_user.skills or [])
        form.gender.data = current_user.gender.value if current_user.gender else ""
        form.background.data = current_user.background.value if current_user.background else ""
        form.locale.data = current_user.locale or current_locale()
        form.first_hackathon.data = {True: "yes", False: "no"}.get(current_user.first_hackathon, "")
        form.region.data = current_user.region or ""
        form.country.data = current_user.country or ""
    if form.validate_on_submit():
        services.update_profile(current_user, **form.profile_values())
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, end_sessions_form=EmptyForm(),
                           sessions=services.active_sessions(current_user), this_session=_this_session(),
                           two_factor_on=two_factor_services.is_enabled(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data,
                                     keep=_this_session())
        except services.WeakPassword as error:
            form.password.errors.append(error.message)
        except DomainError as error:
            form.current_password.errors.append(error.message)
        else:
            _carry_new_session_key()
            flash(_("Your password is changed. You were signed out on your other devices."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    form = ApiTokenForm()
    new_secret = None
    if form.validate_on_submit():
        _, new_secret = services.create_api_token(current_user, form.name.data, scope=form.scope.data)
        form = ApiTokenForm(formdata=None)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("accounts/tokens.html", form=form, tokens=tokens, new_secret=new_secret,
                           revoke_form=EmptyForm())


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    if EmptyForm().validate_on_submit():
        services.revoke_api_token(current_user, token_id)
        flash(_("The token is revoked."), "success")
    return redirect(url_for("accounts.api_tokens"))


def _page_that_answers_get(target: str) -> str:
    """`target` if it answers GET; for a POST-only rule (a page rendered by a form's POST, e.g.
    /mentors/propose) the event's page, or the start page (following it would end on 405)."""
    adapter = current_app.url_map.bind("localhost")
    path = urlsplit(target).path
    try:
        adapter.match(path, method="GET")
        return target
    except MethodNotAllowed:
        pass
    except HTTPException:  # a redirect (RequestRedirect) is followed by the browser; an unknown page is its 404
        return target
    try:
        _, args = adapter.match(path, method="POST")
    except HTTPException:
        args = {}
    slug = args.get("slug")
    return url_for("events.overview", slug=slug) if isinstance(slug, str) else url_for("events.index")


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    target = form.next.data if is_safe_next(form.next.data) else url_for("events.index")
    target = _page_that_answers_get(target)
    if form.validate_on_submit():
        session["locale"] = form.language.data
        if current_user.is_authenticated:
            services.set_locale(current_user, form.language.data)
    return redirect(target)
