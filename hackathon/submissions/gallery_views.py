"""The public project gallery: the list (filterable by track) and each project's page.

Once the gallery is open (organisers open it, or publishing the results does) everyone who sees the event sees
it, signed in or not; before that it is a 404 for everyone but the event's organisers, who see a preview with a
banner. Drafts, projects of teams that did not opt in, other events' ids and ids too large are 404.
"""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from hackathon.errors import NotFound
from hackathon.events.models import Event
from hackathon.permissions import event_route
from hackathon.submissions import bp
from hackathon.submissions import gallery as services
from hackathon.submissions.organiser_forms import GalleryFilterForm
from hackathon.templating import register_nav


@register_nav
def gallery_links(user, event: Event, roles) -> list[tuple[str, str]]:
    """Event menu: "Gallery" for everyone once it is open, and always for organisers (their preview). Asking
    organisers first spares the query on their pages."""
    return [(_("Gallery"), "submissions.gallery")] if services.can_view_gallery(user, event) else []


def _visible_or_404(event: Event) -> bool:
    """True for a preview (closed gallery, organiser); 404 for everyone else while closed."""
    if services.gallery_is_open(event):
        return False
    if not services.can_view_gallery(current_user, event):
        abort(404)
    return True


@bp.route("/events/<slug>/gallery", endpoint="gallery")
@event_route()
def gallery(event: Event):
    preview = _visible_or_404(event)
    filters = GalleryFilterForm(request.args, event=event)
    filters.validate()
    items = services.gallery_items(event, track_id=filters.track_id())
    return render_template("submissions/gallery/index.html", event=event, items=items, filters=filters,
                           preview=preview)


@bp.route("/events/<slug>/gallery/<id:submission_id>", endpoint="gallery_project")
@event_route()
def gallery_project(event: Event, submission_id: int):
    preview = _visible_or_404(event)
    try:
        submission, team, project = services.gallery_project(event, submission_id)
    except NotFound:
        abort(404)
    # The awards this project won in the published results (none before they are published).
    from flask_babel import get_locale

    from hackathon.results.services import awards_won

    awards = awards_won(event, submission.id, str(get_locale()))
    return render_template("submissions/gallery/project.html", event=event, submission=submission, team=team,
                           project=project, preview=preview, awards=awards)
