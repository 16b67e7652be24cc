"""The public project gallery: submitted projects of accepted teams that opted in, once the gallery is open.

The gallery opens when an organiser opens it in the submission settings or when the results are published (both
set SubmissionSettings.gallery_opened_at). Before that only the event's organisers see it, as a preview. A
project page shows the version the jurors judged (`core.judged_version`), but the team's current choice decides
whether it is shown at all: a team that opts out, or puts its project back to draft, disappears at once.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.errors import NotFound
from hackathon.events.models import Event, Track
from hackathon.extensions import db
from hackathon.mentoring.progress import accepted_team_ids_query
from hackathon.permissions import can_manage_submissions
from hackathon.submissions import core
from hackathon.submissions.models import (Attachment, AttachmentKind, Submission, SubmissionSettings,
                                          SubmissionStatus)
from hackathon.submissions.presenters import ProjectView, project_view
from hackathon.teams.models import Team


def gallery_is_open(event: Event) -> bool:
    """Whether the public sees the gallery: its opening time has come (publishing the results may set it ahead).
    Read once per request (the menu asks on every event page)."""
    cache = g.setdefault("_gallery_open_cache", {})
    if event.id not in cache:
        opened_at = db.session.scalar(
            select(SubmissionSettings.gallery_opened_at).where(SubmissionSettings.event_id == event.id))
        cache[event.id] = opened_at is not None and opened_at <= utcnow()
    return cache[event.id]


def can_view_gallery(user: User | None, event: Event) -> bool:
    """Everyone who sees the event once the gallery is open; before that its organisers, as a preview."""
    return can_manage_submissions(user, event) or gallery_is_open(event)


def _shown(event: Event):
    return (Submission.event_id == event.id, Submission.show_in_gallery.is_(True),
            Submission.status == SubmissionStatus.submitted, Submission.team_id.in_(accepted_team_ids_query(event)))


@dataclass
class GalleryItem:
    submission: Submission
    team_name: str
    track_name: str | None
    thumbnail: Attachment | None


def gallery_items(event: Event, *, track_id: int | None = None) -> list[GalleryItem]:
    """The projects shown, by title, with the first current screenshot as a thumbnail: three queries."""
    query = (select(Submission, Team.name).join(Team, Team.id == Submission.team_id).where(*_shown(event))
             .order_by(Submission.title, Submission.id))
    if track_id is not None:
        query = query.where(Submission.track_id == track_id)
    rows = db.session.execute(query).all()
    tracks = dict(db.session.execute(select(Track.id, Track.name).where(Track.event_id == event.id)).all())
    thumbnails: dict[int, Attachment] = {}
    if rows:
        for attachment in db.session.scalars(
                select(Attachment).where(Attachment.submission_id.in_([s.id for s, _name in rows]),
                                         Attachment.kind == AttachmentKind.screenshot,
                                         Attachment.removed_at.is_(None))
                .order_by(Attachment.position, Attachment.id)):
            thumbnails.setdefault(attachment.submission_id, attachment)
    return [GalleryItem(submission=s, team_name=name, track_name=tracks.get(s.track_id),
                        thumbnail=thumbnails.get(s.id)) for s, name in rows]


def gallery_project(event: Event, submission_id: int) -> tuple[Submission, Team, ProjectView]:
    """A shown project as jurors judged it; NotFound for drafts, teams that did not opt in and other events."""
    row = db.session.execute(select(Submission, Team).join(Team, Team.id == Submission.team_id)
                             .where(Submission.id == submission_id, *_shown(event))).first()
    if row is None:
        raise NotFound()
    submission, team = row
    version = core.judged_version(submission)
    snapshot = version.snapshot if version is not None else core.snapshot(submission)
    return submission, team, project_view(snapshot)
