"""Announcements pages.

Who sees what (the services re-check every rule):
- `announcements.manage`, `new`, `preview`, `edit`, `send`, `unschedule`, `delete`: the event's organisers and site
  admins (403 for other signed-in people, the sign-in page for visitors); another event's announcement is a 404.
- `announcements.news`, `preferences`: any signed-in person who can see the event; each sees the announcements
  whose audience held them when they were sent (organisers: all).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from hackathon.announcements import bp, services
from hackathon.announcements.forms import FLAG_LABELS, PreferencesForm, SendForm, announcement_form, language_name
from hackathon.announcements.models import Announcement, AnnouncementStatus
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.forms import EmptyForm
from hackathon.permissions import can_manage_event, event_route, note_announcements_read, unread_announcements
from hackathon.templating import register_nav


def signed_in(user, event: Event) -> bool:
    """Any signed-in person who can see the event."""
    return True


@register_nav
def news_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "News" with the number of unread announcements for signed-in people (one query), and
    "Announcements" for organisers."""
    if user is None or not user.is_authenticated:
        return []
    unread = unread_announcements(user, event)
    label = _("News")
    if unread:
        label = Markup('{} <span class="badge">{}<span class="visually-hidden"> {}</span></span>').format(
            label, unread, ngettext("unread", "unread", unread))
    links = [(label, "announcements.news")]
    if can_manage_event(user, event):
        links.append((_("Announcements"), "announcements.manage"))
    return links


def _announcement_or_404(event: Event, announcement_id: int) -> Announcement:
    try:
        return services.get_announcement(event, announcement_id)
    except NotFound:
        abort(404)


def _audience_lines(event: Event, announcement: Announcement) -> list[str]:
    from hackathon.applications.models import ApplicationStatus
    from hackathon.applications.review import STATUS_LABELS

    audience = services.audience_of(announcement)
    if audience.is_everyone:
        return [_("Everyone at the event")]
    lines = []
    if audience.statuses:
        lines.append(_("Applicants whose application is: %(statuses)s", statuses=", ".join(
            str(STATUS_LABELS[ApplicationStatus(status)]) for status in audience.statuses)))
    if audience.track_ids:
        names = {track.id: track.name for track in event.tracks}
        lines.append(_("In a team of the track: %(tracks)s", tracks=", ".join(
            names.get(track_id, "?") for track_id in audience.track_ids)))
    lines.extend(str(label) for flag, label in FLAG_LABELS.items() if getattr(audience, flag))
    return lines


@bp.route("/events/<slug>/announcements")
@event_route(can_manage_event)
def manage(event: Event):
    return render_template("announcements/manage.html", event=event,
                           announcements=services.list_announcements(event), Status=AnnouncementStatus)


@bp.route("/events/<slug>/announcements/new", methods=["GET", "POST"])
@event_route(can_manage_event)
def new(event: Event):
    form = announcement_form(event)
    if form.validate_on_submit():
        try:
            announcement = services.create_announcement(current_user, event, form.values(), now=utcnow())
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            form.submit.errors = [error.message]
        else:
            flash(_("The announcement is saved. Check the preview and the number of recipients, then send it."),
                  "success")
            return redirect(url_for("announcements.preview", slug=event.slug, announcement_id=announcement.id))
    return render_template("announcements/form.html", event=event, form=form, announcement=None,
                           languages=event.languages, language_name=language_name)


@bp.route("/events/<slug>/announcements/<id:announcement_id>")
@event_route(can_manage_event)
def preview(event: Event, announcement_id: int):
    announcement = _announcement_or_404(event, announcement_id)
    reach = services.count_recipients(event, services.audience_of(announcement), essential=announcement.essential)
    versions = [(code, *services.texts_in(announcement, code)) for code in event.languages]
    return render_template("announcements/preview.html", event=event, announcement=announcement, reach=reach,
                           versions=versions, language_name=language_name,
                           audience=_audience_lines(event, announcement), send_form=SendForm(formdata=None),
                           button_form=EmptyForm(formdata=None), Status=AnnouncementStatus, now=utcnow())


@bp.route("/events/<slug>/announcements/<id:announcement_id>/edit", methods=["GET", "POST"])
@event_route(can_manage_event)
def edit(event: Event, announcement_id: int):
    announcement = _announcement_or_404(event, announcement_id)
    correction = announcement.status == AnnouncementStatus.sent
    form = announcement_form(event, correction=correction)
    if not form.is_submitted():
        form.fill_from(announcement)
    if form.validate_on_submit():
        try:
            services.update_announcement(current_user, announcement, form.values(), now=utcnow())
        except NotAllowed:
            raise
        except DomainError as error:
            db.session.rollback()
            form.submit.errors = [error.message]
        else:
            flash(_("The correction is saved: the News page shows it as updated.") if correction
                  else _("The announcement is saved."), "success")
            return redirect(url_for("announcements.preview", slug=event.slug, announcement_id=announcement.id))
    return render_template("announcements/form.html", event=event, form=form, announcement=announcement,
                           correction=correction, languages=event.languages, language_name=language_name)


@bp.route("/events/<slug>/announcements/<id:announcement_id>/send", methods=["POST"])
@event_route(can_manage_event)
def send(event: Event, announcement_id: int):
    announcement = _announcement_or_404(event, announcement_id)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    target = url_for("announcements.preview", slug=event.slug, announcement_id=announcement.id)
    try:
        if form.schedule.data:
            services.schedule_announcement(current_user, announcement, now=utcnow())
            flash(_("The announcement is scheduled."), "success")
            return redirect(target)
        sent = services.send_announcement(current_user, announcement, now=utcnow())
    except NotAllowed:
        raise
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(target)
    if sent is None:
        flash(_("This announcement was already sent: nobody is mailed twice."), "info")
    else:
        flash(ngettext("Sent to %(num)d person.", "Sent to %(num)d people.", sent.people), "success")
    return redirect(target)


@bp.route("/events/<slug>/announcements/<id:announcement_id>/unschedule", methods=["POST"])
@event_route(can_manage_event)
def unschedule(event: Event, announcement_id: int):
    announcement = _announcement_or_404(event, announcement_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unschedule_announcement(current_user, announcement)
    flash(_("The announcement is a draft again: it is not sent at its time."), "success")
    return redirect(url_for("announcements.preview", slug=event.slug, announcement_id=announcement.id))


@bp.route("/events/<slug>/announcements/<id:announcement_id>/delete", methods=["POST"])
@event_route(can_manage_event)
def delete(event: Event, announcement_id: int):
    announcement = _announcement_or_404(event, announcement_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_announcement(current_user, announcement)
    flash(_("The announcement is deleted."), "success")
    return redirect(url_for("announcements.manage", slug=event.slug))


@bp.route("/events/<slug>/news")
@event_route(signed_in)
def news(event: Event):
    items = services.visible_news(current_user, event)  # unread ones are marked on this page, then read
    if any(item.unread for item in items):
        services.mark_read(current_user, event, now=utcnow())
        note_announcements_read(current_user, event)
    form = PreferencesForm(formdata=None, opt_out=services.opted_out(current_user, event))
    return render_template("announcements/news.html", event=event, items=items, form=form,
                           can_manage=can_manage_event(current_user, event))


@bp.route("/events/<slug>/news/preferences", methods=["POST"])
@event_route(signed_in)
def preferences(event: Event):
    form = PreferencesForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_opt_out(current_user, event, bool(form.opt_out.data))
    flash(_("Your choice is saved: no mail for non-essential announcements of this event.") if form.opt_out.data
          else _("Your choice is saved: you get every announcement of this event by mail."), "success")
    return redirect(url_for("announcements.news", slug=event.slug))
