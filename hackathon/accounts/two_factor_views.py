"""Two-factor pages: set up, recovery codes, turn off, the code step of sign-in, an event's requirement; and
the guards that send admins and organisers who must use it to set it up first. Thin over two_factor_services."""
from __future__ import annotations

import time

from flask import (abort, current_app, flash, make_response, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user

from hackathon.accounts import bp, services
from hackathon.accounts import two_factor_services as tf
from hackathon.accounts.two_factor_forms import (ConfirmTwoFactorForm, DisableTwoFactorForm, EventTwoFactorForm,
                                                 NewRecoveryCodesForm, TwoFactorLoginForm)
from hackathon.errors import DomainError, abort_with
from hackathon.events.models import Event
from hackathon.extensions import limiter
from hackathon.forms import EmptyForm
from hackathon.permissions import can_manage_event, event_route, is_safe_next

PENDING_KEY = "two_factor_pending"


def two_factor_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def _next_url() -> str | None:
    target = request.args.get("next")
    return target if is_safe_next(target) else None


def _continue_to(target: str | None) -> str:
    """Where to go on: `target` if it is a page that answers GET (a POST-only address ends on its event)."""
    from hackathon.accounts.views import _page_that_answers_get

    return _page_that_answers_get(target) if is_safe_next(target) else url_for("accounts.profile")


def _refused(template: str, error: DomainError, **context):
    """The page again with the message, as 429 and Retry-After when codes are locked."""
    flash(error.message, "error")
    response = make_response(render_template(template, **context), error.status_code)
    if isinstance(error, tf.CodesLocked):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# --- Setting it up, recovery codes, turning it off -------------------------------------------------------------

def _page_context(next_url: str | None) -> dict:
    credential = tf.credential_of(current_user)
    if credential is not None and credential.is_enabled:
        return dict(enabled=True, credential=credential, codes_left=tf.recovery_codes_left(current_user),
                    codes_form=NewRecoveryCodesForm(), disable_form=DisableTwoFactorForm(), next_url=next_url)
    return dict(enabled=False, enrolment=tf.start_enrolment(current_user), confirm_form=ConfirmTwoFactorForm(),
                restart_form=EmptyForm(), next_url=next_url)


@bp.route("/account/two-factor")
@login_required
def two_factor():
    return render_template("accounts/two_factor.html", **_page_context(_next_url()))


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
@limiter.limit(two_factor_limit)
def two_factor_confirm():
    next_url = _next_url()
    form = ConfirmTwoFactorForm()
    if not form.validate_on_submit():
        return render_template("accounts/two_factor.html", **(_page_context(next_url) | {"confirm_form": form}))
    try:
        codes = tf.confirm_enrolment(current_user, form.code.data)
    except DomainError as error:
        form.code.errors.append(error.message)
        return render_template("accounts/two_factor.html", **(_page_context(next_url) | {"confirm_form": form}))
    flash(_("Two-factor sign-in is on. From now on, signing in asks for a code from your app."), "success")
    return render_template("accounts/two_factor_codes.html", codes=codes, continue_url=_continue_to(next_url))


@bp.route("/account/two-factor/restart", methods=["POST"])
@login_required
def two_factor_restart():
    if EmptyForm().validate_on_submit():
        tf.cancel_enrolment(current_user)
    return redirect(url_for("accounts.two_factor", next=_next_url()))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(two_factor_limit)
def two_factor_recovery_codes():
    if not tf.is_enabled(current_user):
        return redirect(url_for("accounts.two_factor"))
    form = NewRecoveryCodesForm()
    context = _page_context(None)
    if not form.validate_on_submit():
        return render_template("accounts/two_factor.html", **(context | {"codes_form": form}))
    try:
        codes = tf.replace_recovery_codes(current_user, form.code.data)
    except tf.CodesLocked as error:
        return _refused("accounts/two_factor.html", error, **(_page_context(None) | {"codes_form": form}))
    except DomainError as error:
        form.code.errors.append(error.message)
        return render_template("accounts/two_factor.html", **(_page_context(None) | {"codes_form": form}))
    flash(_("New recovery codes are made. The old ones no longer work."), "success")
    return render_template("accounts/two_factor_codes.html", codes=codes, continue_url=url_for("accounts.profile"))


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(two_factor_limit)
def two_factor_disable():
    if not tf.is_enabled(current_user):
        return redirect(url_for("accounts.two_factor"))
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            tf.disable(current_user, form.password.data, form.code.data)
        except tf.WrongPassword as error:
            form.password.errors.append(error.message)
        except tf.CodesLocked as error:
            return _refused("accounts/two_factor.html", error, **(_page_context(None) | {"disable_form": form}))
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            flash(_("Two-factor sign-in is off. Signing in asks only for your password."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/two_factor.html", **(_page_context(None) | {"disable_form": form}))


# --- Signing in: the code after the password -------------------------------------------------------------------

def begin_sign_in(user, *, remember: bool, next_url: str | None, locale: str | None):
    """The password was right and the person uses two-factor sign-in: nobody is signed in yet. The signed session
    cookie remembers who is half-way (for PENDING_SECONDS) and the code page asks for the rest."""
    session.clear()  # a fresh session on sign-in (no fixation), as for a sign-in without a code
    if user.locale or locale:  # the code page in the person's language (nobody is signed in to say it)
        session["locale"] = user.locale or locale
    session[PENDING_KEY] = {"user_id": user.id, "remember": bool(remember), "started": int(time.time()),
                            "fp": tf.password_fingerprint(user), "next": next_url, "locale": locale}
    return redirect(url_for("accounts.two_factor_login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(two_factor_limit, methods=["POST"])
def two_factor_login():
    pending = session.get(PENDING_KEY)
    user = tf.user_for_pending(pending, now_ts=time.time())
    if user is None:
        session.pop(PENDING_KEY, None)
        if current_user.is_authenticated:
            return redirect(url_for("events.index"))
        flash(ngettext("Sign in with your email and password first. A sign-in waits %(num)d minute for its code.",
                       "Sign in with your email and password first. A sign-in waits %(num)d minutes for its code.",
                       tf.PENDING_SECONDS // 60), "info")
        return redirect(url_for("accounts.login"))
    form = TwoFactorLoginForm()
    if form.validate_on_submit():
        try:
            kind = tf.check_code(user, form.code.data)
        except tf.CodesLocked as error:
            return _refused("accounts/two_factor_login.html", error, form=form)
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            session.pop(PENDING_KEY, None)
            login_user(user, remember=pending.get("remember", False))  # starts this device's session
            if user.locale is None and pending.get("locale"):
                services.set_locale(user, pending["locale"])
            if kind == "recovery":
                left = tf.recovery_codes_left(user)
                flash(ngettext("You signed in with a recovery code; it cannot be used again. %(num)d code is left: "
                               "make new ones on the two-factor page if you are running out.",
                               "You signed in with a recovery code; it cannot be used again. %(num)d codes are "
                               "left: make new ones on the two-factor page if you are running out.", left),
                      "info")
            target = pending.get("next")
            return redirect(target if is_safe_next(target) else url_for("events.index"))
    return render_template("accounts/two_factor_login.html", form=form)


# --- Who must use it -------------------------------------------------------------------------------------------

def _to_setup():
    flash(_("Your role here needs two-factor sign-in. Set it up to continue: it takes a minute with an "
            "authenticator app on your phone."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("accounts.two_factor", next=target))


def require_two_factor_at(event: Event) -> None:
    """Called as an event is loaded (permissions.load_event): its organisers, and site admins, who must use
    two-factor sign-in and do not yet are sent to set it up; on the API their tokens are refused (403) until then."""
    if not tf.required_at_event(current_user, event) or tf.is_enabled(current_user):
        return
    if request.path.startswith("/api/"):
        abort_with(403, _("The organisers of this event must use two-factor sign-in: turn it on from your profile, "
                          "then your API token works here again."))
    abort(_to_setup())


@bp.before_app_request
def send_admins_to_setup():
    """With REQUIRE_TWO_FACTOR_FOR_STAFF, a site admin without two-factor sign-in reaches only their own account's
    pages (where it is set up) until it is on."""
    if not current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF"):
        return None
    endpoint = request.endpoint or ""
    if not endpoint or endpoint == "static" or endpoint.startswith("accounts.") or request.path.startswith("/api/"):
        return None
    if tf.required_for_site(current_user) and not tf.is_enabled(current_user):
        return _to_setup()
    return None


# Pages that show the secret key or the recovery codes: never kept by the browser or a proxy (the back button
# on a shared computer must not bring them back).
SECRET_PAGES = {"accounts.two_factor", "accounts.two_factor_confirm", "accounts.two_factor_recovery_codes"}


@bp.after_request
def keep_secrets_out_of_caches(response):
    if request.endpoint in SECRET_PAGES:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_request
def no_new_tokens_before_two_factor():
    """Whoever must use two-factor sign-in somewhere makes no API token before it is on (a token made with the
    password alone would get round it); revoking tokens stays open."""
    if request.endpoint == "accounts.api_tokens" and current_user.is_authenticated \
            and tf.required_anywhere(current_user) and not tf.is_enabled(current_user):
        return _to_setup()
    return None


@bp.route("/events/<slug>/two-factor", methods=["GET", "POST"])
@event_route(can_manage_event)
def event_two_factor(event: Event):
    # Not from the event on a POST: WTForms would read an unticked box (an empty form) from the object.
    form = EventTwoFactorForm(obj=event) if request.method == "GET" else EventTwoFactorForm()
    if form.validate_on_submit():
        try:
            tf.set_event_requirement(current_user, event, bool(form.require_two_factor.data))
        except DomainError as error:
            form.require_two_factor.errors.append(error.message)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("accounts.event_two_factor", slug=event.slug))
    return render_template("accounts/two_factor_event.html", event=event, form=form,
                           site_wide=bool(current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF")))
