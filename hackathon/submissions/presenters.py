"""Turn a submission version's snapshot into what `templates/submissions/_project.html` shows."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.events.models import Track
from hackathon.extensions import db


@dataclass
class ProjectAttachment:
    id: int
    kind: str
    name: str
    size: int
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass
class ProjectView:
    """A read-only project: the fields of one snapshot with ids resolved to names."""

    title: str
    tagline: str
    description: str
    track_name: str | None
    challenge_title: str | None
    repository_url: str
    demo_url: str
    video_url: str
    technologies: list[str]
    member_names: list[str]
    status: str
    attachments: list[ProjectAttachment] = field(default_factory=list)

    @property
    def deck(self) -> ProjectAttachment | None:
        return next((a for a in self.attachments if a.kind == "deck"), None)

    @property
    def screenshots(self) -> list[ProjectAttachment]:
        return [a for a in self.attachments if a.kind == "screenshot"]

    @property
    def archives(self) -> list[ProjectAttachment]:
        return [a for a in self.attachments if a.kind == "archive"]


def project_views(snapshots: list[dict[str, Any]]) -> list[ProjectView]:
    """Several snapshots at once: track, challenge and member names come from three queries in all."""
    from hackathon.mentoring.models import Challenge

    track_ids = {s.get("track_id") for s in snapshots} - {None}
    challenge_ids = {s.get("challenge_id") for s in snapshots} - {None}
    user_ids = {uid for s in snapshots for uid in s.get("credited_user_ids") or []}
    tracks = dict(db.session.execute(select(Track.id, Track.name).where(Track.id.in_(track_ids))).all()) \
        if track_ids else {}
    challenges = dict(db.session.execute(select(Challenge.id, Challenge.title)
                                         .where(Challenge.id.in_(challenge_ids))).all()) if challenge_ids else {}
    users = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    views = []
    for s in snapshots:
        views.append(ProjectView(
            title=s.get("title", ""), tagline=s.get("tagline", ""), description=s.get("description", ""),
            track_name=tracks.get(s.get("track_id")), challenge_title=challenges.get(s.get("challenge_id")),
            repository_url=s.get("repository_url", ""), demo_url=s.get("demo_url", ""),
            video_url=s.get("video_url", ""), technologies=list(s.get("technologies") or []),
            member_names=[users[uid] for uid in s.get("credited_user_ids") or [] if uid in users],
            status=s.get("status", "draft"),
            attachments=[ProjectAttachment(id=a["id"], kind=a["kind"], name=a["name"], size=a["size"],
                                           content_type=a.get("content_type", "application/octet-stream"))
                         for a in s.get("attachments") or []]))
    return views


def project_view(snapshot: dict[str, Any]) -> ProjectView:
    return project_views([snapshot])[0]
