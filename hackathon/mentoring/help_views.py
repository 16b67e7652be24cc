"""Help requests: teams ask, mentors claim and resolve.

Who sees what (the services re-check every rule):
- `mentoring.help` (and cancelling): members of an accepted team, for their own team's requests; another team's
  request id is a 404.
- `mentoring.help_queue`: mentors and organisers; organisers also see the average waiting and resolution times.
- claim: mentors (a second claim of the same request gets a clear message); resolve and release: the mentor who
  claimed the request, or an organiser (403 for other mentors); ids of other events are 404.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.mentoring import bp
from hackathon.mentoring import help as services
from hackathon.mentoring.help_forms import HelpRequestForm, QueueFilterForm
from hackathon.mentoring.models import HelpStatus
from hackathon.permissions import (can_ask_for_help, can_claim_help, can_manage_event, can_view_help_queue,
                                   event_route)
from hackathon.templating import register_nav


def _status_labels() -> dict:
    return {
        HelpStatus.open: _("Waiting for a mentor"),
        HelpStatus.claimed: _("A mentor is on it"),
        HelpStatus.resolved: _("Resolved"),
        HelpStatus.cancelled: _("Cancelled"),
    }


@register_nav
def help_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "Help" for members of accepted teams, "Help queue" for mentors and organisers."""
    links = []
    if can_ask_for_help(user, event):
        links.append((_("Help"), "mentoring.help"))
    if can_view_help_queue(user, event):
        links.append((_("Help queue"), "mentoring.help_queue"))
    return links


def _duration(value) -> str:
    return format_timedelta(value, threshold=1.1, granularity="minute") if value is not None else "—"


def _button(action, event: Event, request_id: int, success: str, target: str):
    """A POST button calling a service: refusals by the rules are flashed; 403 and 404 stay errors."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(current_user, event, request_id, now=utcnow())
    except NotFound:
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(success, "success")
    return redirect(target)


@bp.route("/events/<slug>/help", methods=["GET", "POST"], endpoint="help")
@event_route(can_ask_for_help)
def team_help(event: Event):
    form = HelpRequestForm(event=event)
    if form.validate_on_submit():
        try:
            services.ask_for_help(current_user, event, **form.values(), now=utcnow())
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            form.topic.errors.append(error.message)
        else:
            flash(_("Your request is in the mentors' queue."), "success")
            return redirect(url_for("mentoring.help", slug=event.slug))
    now = utcnow()
    return render_template("mentoring/help/team.html", event=event, form=form, is_open=services.help_open(event, now),
                           requests=services.team_requests(current_user, event), now=now,
                           waiting=services.waiting_time, duration=_duration, labels=_status_labels(),
                           active=services.ACTIVE, button_form=EmptyForm(formdata=None))


@bp.route("/events/<slug>/help/<id:request_id>/cancel", methods=["POST"])
@event_route(can_ask_for_help)
def cancel_help(event: Event, request_id: int):
    return _button(services.cancel_help, event, request_id, _("Your request is cancelled."),
                   url_for("mentoring.help", slug=event.slug))


@bp.route("/events/<slug>/help/queue")
@event_route(can_view_help_queue)
def help_queue(event: Event):
    filters = QueueFilterForm(request.args, event=event)
    filters.validate()
    queue = services.help_queue(current_user, event, **filters.filters(), now=utcnow())
    return render_template("mentoring/help/queue.html", event=event, queue=queue, filters=filters,
                           can_claim=can_claim_help(current_user, event) and services.help_open(event, utcnow()),
                           is_organiser=can_manage_event(current_user, event), duration=_duration,
                           languages=_language_names(), button_form=EmptyForm(formdata=None))


def _language_names() -> dict:
    return current_app.config["LANGUAGES"]


def _queue(event: Event) -> str:
    return url_for("mentoring.help_queue", slug=event.slug)


@bp.route("/events/<slug>/help/<id:request_id>/claim", methods=["POST"])
@event_route(can_view_help_queue)
def claim_help(event: Event, request_id: int):
    return _button(services.claim_help, event, request_id,
                   _("The request is yours: go and help the team."), _queue(event))


@bp.route("/events/<slug>/help/<id:request_id>/resolve", methods=["POST"])
@event_route(can_view_help_queue)
def resolve_help(event: Event, request_id: int):
    return _button(services.resolve_help, event, request_id,
                   _("The request is resolved. Thank you!"), _queue(event))


@bp.route("/events/<slug>/help/<id:request_id>/release", methods=["POST"])
@event_route(can_view_help_queue)
def release_help(event: Event, request_id: int):
    return _button(services.release_help, event, request_id,
                   _("The request is back in the queue."), _queue(event))
