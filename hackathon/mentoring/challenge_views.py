"""Datathon challenges: posting them, and teams choosing one.

Who sees what (the services re-check every rule):
- `mentoring.challenges`: the event's participants (and members of accepted teams), mentors, jurors and
  organisers; 403 for other signed-in people.
- `mentoring.new_challenge`: mentors and organisers.
- `mentoring.edit_challenge`, `mentoring.delete_challenge`: the author (a mentor) and organisers; 404 for
  people who may not see challenges (an id would leak), 403 for those who see it but may not change it.
- `mentoring.choose_challenge`: members of an accepted team, while hacking is on.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.database import utcnow
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.events.phases import Phase
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.mentoring import bp
from hackathon.mentoring import challenges as services
from hackathon.mentoring.challenge_forms import ChallengeFilterForm, ChallengeForm, ChooseChallengeForm
from hackathon.permissions import (can_choose_challenge, can_edit_challenge, can_post_challenge,
                                   can_view_challenges, event_route)
from hackathon.templating import register_nav


@register_nav
def challenge_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "Challenges" for those who may see them."""
    return [(_("Challenges"), "mentoring.challenges")] if can_view_challenges(user, event) else []


def signed_in(user, event: Event) -> bool:
    """Any signed-in person who can see the event; the view answers 404 to those who may not see challenges."""
    return True


def _challenge_or_404(event: Event, challenge_id: int):
    try:
        return services.get_challenge(event, challenge_id)
    except NotFound:
        abort(404)


def _editable(event: Event, challenge_id: int):
    if not can_view_challenges(current_user, event):
        abort(404)
    challenge = _challenge_or_404(event, challenge_id)
    if not can_edit_challenge(current_user, challenge):
        abort(403)
    return challenge


@bp.route("/events/<slug>/challenges")
@event_route(can_view_challenges)
def challenges(event: Event):
    filters = ChallengeFilterForm(request.args, event=event)
    filters.validate()
    page = services.challenges_page(current_user, event, track_id=filters.track_id())
    hacking = event.phase(utcnow()) == Phase.hacking
    return render_template(
        "mentoring/challenges/list.html", event=event, page=page, filters=filters,
        can_post=can_post_challenge(current_user, event),
        editable={c.id for c in page.challenges if can_edit_challenge(current_user, c)},
        can_choose=can_choose_challenge(current_user, event) and hacking, hacking=hacking,
        choose_form=ChooseChallengeForm(formdata=None), button_form=EmptyForm(formdata=None))


@bp.route("/events/<slug>/challenges/new", methods=["GET", "POST"])
@event_route(can_post_challenge)
def new_challenge(event: Event):
    form = ChallengeForm(event=event)
    if form.validate_on_submit():
        try:
            services.create_challenge(current_user, event, **form.values())
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            (form.title if isinstance(error, Conflict) else form.data_links).errors.append(error.message)
        else:
            flash(_("The challenge is posted."), "success")
            return redirect(url_for("mentoring.challenges", slug=event.slug))
    return render_template("mentoring/challenges/form.html", event=event, form=form, challenge=None)


@bp.route("/events/<slug>/challenges/<id:challenge_id>", methods=["GET", "POST"])
@event_route(signed_in)
def edit_challenge(event: Event, challenge_id: int):
    challenge = _editable(event, challenge_id)
    form = ChallengeForm(event=event)
    if not form.is_submitted():
        form.fill_from(challenge)
    if form.validate_on_submit():
        try:
            services.update_challenge(current_user, challenge, **form.values())
        except (NotFound, NotAllowed):
            raise
        except DomainError as error:
            db.session.rollback()
            (form.title if isinstance(error, Conflict) else form.data_links).errors.append(error.message)
        else:
            flash(_("The challenge is saved."), "success")
            return redirect(url_for("mentoring.challenges", slug=event.slug))
    return render_template("mentoring/challenges/form.html", event=event, form=form, challenge=challenge,
                           button_form=EmptyForm(formdata=None))


@bp.route("/events/<slug>/challenges/<id:challenge_id>/delete", methods=["POST"])
@event_route(signed_in)
def delete_challenge(event: Event, challenge_id: int):
    challenge = _editable(event, challenge_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_challenge(current_user, challenge)
    flash(_("The challenge is deleted."), "success")
    return redirect(url_for("mentoring.challenges", slug=event.slug))


@bp.route("/events/<slug>/challenges/choose", methods=["POST"])
@event_route(can_choose_challenge)
def choose_challenge(event: Event):
    form = ChooseChallengeForm()
    if not form.validate_on_submit():
        abort(400)
    target = url_for("mentoring.challenges", slug=event.slug)
    try:
        chosen = services.choose_challenge(current_user, event, form.challenge_id.data, now=utcnow())
    except NotFound:
        abort(404)
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    if chosen is None:
        flash(_("Your team has no challenge now."), "success")
    else:
        flash(_("Your team works on “%(title)s”.", title=chosen.title), "success")
    return redirect(target)
