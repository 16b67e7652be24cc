"""Review pages: the queue with bulk decisions, one application, decision mail wording, the CSV export,
and the applicants' confirm/decline buttons."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from hackathon.i18n import lazy_gettext as _l
from flask_login import current_user

from hackathon.accounts.forms import REGION_NAMES
from hackathon.applications import bp, review
from hackathon.applications.export import csv_document, export_filename
from hackathon.applications.mail_templates import (DECISION_MAILS, MAIL_LABELS, PLACEHOLDERS, MailText,
                                                   built_in_text_in, fill, overrides_for, places_taken_text,
                                                   reset_mail_template, save_mail_template, template_languages,
                                                   text_for, unknown_placeholders)
from hackathon.applications.review_forms import (QUEUE_FILTER_NAMES, BulkDecisionForm, DecisionForm,
                                                 MailTemplateForm, QueueFilterForm, RatingForm, ResetMailTemplateForm)
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm, posted_int
from hackathon.i18n import current_locale
from hackathon.permissions import can_decide_applications, can_review_applications, event_route
from hackathon.templating import local_datetime, register_nav


@register_nav
def review_links(user, event: Event, roles) -> list[tuple[str, str]]:
    links = []
    if can_review_applications(user, event):
        links.append((_l("Review"), "applications.review_queue"))
    if can_decide_applications(user, event):
        links.append((_l("Mail templates"), "applications.mail_templates"))
    return links


def _labels() -> dict:
    """Label dictionaries the review templates show values with."""
    return {
        "STATUS_LABELS": review.STATUS_LABELS, "KIND_LABELS": review.KIND_LABELS,
        "BACKGROUND_LABELS": review.BACKGROUND_LABELS, "AGE_BAND_LABELS": review.AGE_BAND_LABELS,
        "STATUS_LABELS_BY_VALUE": {status.value: label for status, label in review.STATUS_LABELS.items()},
        "REGION_NAMES": REGION_NAMES, "COUNTRY_NAMES": get_locale().territories,
    }


def _flash_outcome(outcome: review.DecisionOutcome) -> None:
    for category, message in review.outcome_messages(outcome):
        flash(message, category)


def _page_number() -> int | None:
    """The page asked for (None for the first); anything that is not a small number means the first page."""
    raw = request.args.get("page", "")
    return posted_int(raw, min=2, max=10**6 - 1)


def _queue_args() -> dict[str, str]:
    """The queue's filters from the query string, to keep in links and redirects (only known names:
    url_for must not receive `slug` or its own `_external`-style options from a visitor)."""
    return {name: request.args[name] for name in QUEUE_FILTER_NAMES if request.args.get(name)}


# The queue ---------------------------------------------------------------------------------------------------------

@bp.route("/events/<slug>/review", methods=["GET", "POST"])
@event_route(can_review_applications)
def review_queue(event: Event):
    now = utcnow()
    capacity = review.capacity_of(event)
    released = review.release_unconfirmed(event, now, capacity=capacity)  # lapse and promote first
    if released.lapsed or released.promoted:
        capacity = review.capacity_of(event)
    filter_form = QueueFilterForm(formdata=request.args, tracks=event.tracks, age_bands=review.event_bands(event))
    filter_form.validate()
    may_decide = can_decide_applications(current_user, event)
    page_number = _page_number()
    bulk_form = BulkDecisionForm()
    if request.method == "POST":
        if not may_decide:
            abort(403)
        if bulk_form.validate_on_submit():
            try:
                outcome = review.decide_applications(current_user, event, bulk_form.application_ids.data,
                                                     bulk_form.decision.data, bulk_form.reason.data, now)
            except (NotFound, NotAllowed):
                raise
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                _flash_outcome(outcome)
                return redirect(url_for("applications.review_queue", slug=event.slug, page=page_number,
                                        **_queue_args()))
    page = review.queue_page(event, filter_form.filters(), page=page_number or 1, now=now)
    args = _queue_args()
    return render_template(
        "review/queue.html", event=event, page=page, filter_form=filter_form, bulk_form=bulk_form,
        may_decide=may_decide, capacity=capacity, args=args,
        filtered=bool(set(args) - {"sort"}), **_labels(),
    )


# One application ---------------------------------------------------------------------------------------------------

@bp.route("/events/<slug>/review/<id:application_id>", methods=["GET", "POST"])
@event_route(can_review_applications)
def review_detail(event: Event, application_id: int):
    application = review.application_for_review(event, application_id)
    may_decide = can_decide_applications(current_user, event)
    rating_form = RatingForm(prefix="rating")
    decision_form = DecisionForm(prefix="decision")
    here = url_for("applications.review_detail", slug=event.slug, application_id=application.id)
    if request.method == "POST":
        if any(key.startswith("decision-") for key in request.form):
            if not may_decide:
                abort(403)
            if decision_form.validate_on_submit():
                try:
                    outcome = review.decide_applications(current_user, event, [application.id],
                                                         decision_form.decision.data, decision_form.reason.data)
                except (NotFound, NotAllowed):
                    raise
                except DomainError as error:
                    db.session.rollback()
                    flash(error.message, "error")
                else:
                    _flash_outcome(outcome)
                    return redirect(here)
        elif rating_form.validate_on_submit():
            try:
                review.rate_application(current_user, application, score=rating_form.score.data,
                                        note=rating_form.note.data or "")
            except (NotFound, NotAllowed):
                raise
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                flash(_("Your rating is saved."), "success")
                return redirect(here)
    details = review.review_details(event, application, current_user, locale=current_locale())
    if request.method == "GET" and details.my_rating is not None:
        rating_form.score.data = details.my_rating.score
        rating_form.note.data = details.my_rating.note
    return render_template(
        "review/detail.html", event=event, details=details, application=application,
        rating_form=rating_form, decision_form=decision_form, may_decide=may_decide,
        rateable=application.status not in review.NOT_RATEABLE,
        answers_editable="applications.edit_answers" in current_app.view_functions,  # the applying side's page
        **_labels(),
    )


# Export ------------------------------------------------------------------------------------------------------------

@bp.route("/events/<slug>/review/export.csv")
@event_route(can_decide_applications)
def export_csv(event: Event):
    header, rows = review.export_table(current_user, event, locale=current_locale())
    filename = export_filename(event.slug, utcnow())
    return Response(csv_document(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


# Decision mail wording ---------------------------------------------------------------------------------------------

def _sample_values(event: Event, locale: str) -> dict:
    """What the preview fills the placeholders with, in the template's language."""
    with force_locale(locale):
        return {
            "name": current_user.name, "event": event.title, "team": _("Sample team"),
            "confirm_by": local_datetime(review.confirm_by_for(event, utcnow()), event.timezone),
            "reason": _("(the reason typed with the decision)"), "link": review.applicant_link(event),
            "places": places_taken_text(review.capacity_of(event).limit),
        }


@bp.route("/events/<slug>/mail-templates", methods=["GET", "POST"])
@event_route(can_decide_applications)
def mail_templates(event: Event):
    reset_form = ResetMailTemplateForm()
    if request.method == "POST" and reset_form.validate_on_submit():
        if reset_mail_template(current_user, event, key=reset_form.key.data, locale=reset_form.locale.data):
            flash(_("The built-in text is used again."), "success")
        return redirect(url_for("applications.mail_templates", slug=event.slug))
    overrides = overrides_for(event)
    languages = template_languages(event)
    return render_template("review/mail_templates.html", event=event, keys=DECISION_MAILS, labels=MAIL_LABELS,
                           languages=languages, overrides=overrides, placeholders=PLACEHOLDERS,
                           reset_form=ResetMailTemplateForm(formdata=None))


@bp.route("/events/<slug>/mail-templates/<key>/<locale>", methods=["GET", "POST"])
@event_route(can_decide_applications)
def edit_mail_template(event: Event, key: str, locale: str):
    if key not in DECISION_MAILS or locale not in template_languages(event):
        abort(404)
    overrides = overrides_for(event)
    current = text_for(key, locale, overrides)
    is_custom = (key, locale) in overrides
    form = MailTemplateForm()
    if request.method == "GET":
        form.subject.data, form.body.data = current.subject, current.body
    shown = current
    if form.validate_on_submit():
        if form.preview.data:
            shown = MailText(subject=form.subject.data, body=form.body.data)
        else:
            save_mail_template(current_user, event, key=key, locale=locale, subject=form.subject.data,
                               body=form.body.data)
            flash(_("The mail text is saved."), "success")
            return redirect(url_for("applications.mail_templates", slug=event.slug))
    preview = fill(shown, _sample_values(event, locale))
    return render_template(
        "review/mail_template_edit.html", event=event, key=key, locale=locale, label=MAIL_LABELS[key],
        language_name=current_app.config["LANGUAGES"].get(locale, locale), form=form, preview=preview,
        is_custom=is_custom,
        built_in=built_in_text_in(key, locale), placeholders=PLACEHOLDERS,
        unknown=["{%s}" % name for name in unknown_placeholders(shown.subject, shown.body)],
    )


# The applicants' answer to an acceptance ---------------------------------------------------------------------------

def _signed_in(user, event: Event) -> bool:
    return True


def _respond(event: Event, service, success: str):
    if EmptyForm().validate_on_submit():
        try:
            service(current_user, event)
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(success, "success")
    return redirect(url_for("applications.dashboard", slug=event.slug))


@bp.route("/events/<slug>/application/confirm", methods=["POST"])
@event_route(_signed_in)
def confirm_participation(event: Event):
    return _respond(event, review.confirm_participation, _("Thank you! Your participation is confirmed."))


@bp.route("/events/<slug>/application/decline", methods=["POST"])
@event_route(_signed_in)
def decline_participation(event: Event):
    return _respond(event, review.decline_participation,
                    _("You declined your place. Thank you for telling us: it goes to the next on the waitlist."))
