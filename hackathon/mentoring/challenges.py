"""Datathon challenges: mentors and organisers post them under a track; accepted teams choose one while hacking.

A team has at most one challenge (the unique team id of `TeamChallenge`); choosing again replaces the choice,
and choosing nothing clears it. `team_challenge(team_id)` is what the submission pages show later.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from hackathon.accounts.models import User
from hackathon.audit import record_audit
from hackathon.errors import Conflict, DomainError, NotAllowed, NotFound, OutOfPhase
from hackathon.events.models import Event, Track
from hackathon.events.phases import Phase
from hackathon.extensions import db
from hackathon.mentoring.models import Challenge, TeamChallenge
from hackathon.teams.models import Team
from hackathon.permissions import accepted_team_id, can_choose_challenge, can_edit_challenge, can_post_challenge

TITLE_MAX = 160
DESCRIPTION_MAX = 20000
LINK_MAX = 500
MAX_LINKS = 10


def clean_data_links(raw: str | list[str] | None) -> list[str]:
    """Data links, one a line: http(s) addresses with a host, at most 10, duplicates dropped in order.

    Anything else (`javascript:`, `data:`, relative paths, over-long addresses) raises DomainError naming it.
    """
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    links: list[str] = []
    for line in lines:
        link = str(line).strip()
        if not link:
            continue
        if len(link) > LINK_MAX:
            raise DomainError(ngettext("A data link is longer than %(max)d character.",
                                       "A data link is longer than %(max)d characters.", LINK_MAX, max=LINK_MAX))
        parts = urlsplit(link)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(ord(c) < 33 for c in link):
            raise DomainError(_("“%(link)s” is not a web address: data links start with http:// or https://.",
                                link=link[:80]))
        if link not in links:
            links.append(link)
    if len(links) > MAX_LINKS:
        raise DomainError(ngettext("Give at most %(max)d data link.", "Give at most %(max)d data links.", MAX_LINKS,
                                   max=MAX_LINKS))
    return links


def _check_track(event: Event, track_id: int | None) -> None:
    if track_id is not None and db.session.scalar(
            select(Track.id).where(Track.id == track_id, Track.event_id == event.id)) is None:
        raise DomainError(_("Choose one of this event's tracks."))


def _check_text(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise DomainError(_("Give the challenge a title."))
    if len(title) > TITLE_MAX or len(description) > DESCRIPTION_MAX:
        raise DomainError(_("The title or the description is too long."))
    return title, description


def _check_title_free(event: Event, title: str, *, challenge: Challenge | None = None) -> None:
    """Titles are unique per event (case-insensitive), which also makes a double submit harmless."""
    query = select(Challenge.id).where(Challenge.event_id == event.id,
                                       func.lower(Challenge.title) == title.lower())
    if challenge is not None:
        query = query.where(Challenge.id != challenge.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(_("A challenge with this title already exists at this event."))


def list_challenges(event: Event, *, track_id: int | None = None) -> list[Challenge]:
    """The event's challenges (optionally of one track), by track position then title, in two queries."""
    query = (select(Challenge).where(Challenge.event_id == event.id)
             .outerjoin(Track, Track.id == Challenge.track_id)
             .options(selectinload(Challenge.track), selectinload(Challenge.created_by))
             .order_by(Track.position.nulls_last(), Track.name, Challenge.title, Challenge.id))
    if track_id is not None:
        query = query.where(Challenge.track_id == track_id)
    return list(db.session.scalars(query))


def choosers(event: Event) -> dict[int, list[str]]:
    """The names of the teams that chose each challenge, by name, in one query."""
    rows = db.session.execute(
        select(TeamChallenge.challenge_id, Team.name).join(Challenge, Challenge.id == TeamChallenge.challenge_id)
        .join(Team, Team.id == TeamChallenge.team_id).where(Challenge.event_id == event.id)
        .order_by(Team.name_key, Team.id))
    names: dict[int, list[str]] = {}
    for challenge_id, name in rows:
        names.setdefault(challenge_id, []).append(name)
    return names


def get_challenge(event: Event, challenge_id: int) -> Challenge:
    """The event's challenge, or NotFound (another event's id is not found either)."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.event_id != event.id:
        raise NotFound()
    return challenge


def create_challenge(actor: User, event: Event, *, title: str, description: str, track_id: int | None,
                     data_links) -> Challenge:
    """Post a challenge (mentors and organisers)."""
    if not can_post_challenge(actor, event):
        raise NotAllowed(_("Only mentors and organisers post challenges."))
    title, description = _check_text(title, description)
    _check_track(event, track_id)
    _check_title_free(event, title)
    challenge = Challenge(event_id=event.id, track_id=track_id, title=title, description=description,
                          data_links=clean_data_links(data_links), created_by_id=actor.id)
    db.session.add(challenge)
    db.session.flush()
    record_audit(actor=actor, action="challenge.create", event_id=event.id, target=challenge,
                 after={"title": title, "track_id": track_id})
    db.session.commit()
    return challenge


def update_challenge(actor: User, challenge: Challenge, *, title: str, description: str, track_id: int | None,
                     data_links) -> Challenge:
    """Edit a challenge: its author while a mentor, or an organiser."""
    if not can_edit_challenge(actor, challenge):
        raise NotAllowed(_("Only the challenge's author or an organiser can change it."))
    title, description = _check_text(title, description)
    _check_track(challenge.event, track_id)
    _check_title_free(challenge.event, title, challenge=challenge)
    links = clean_data_links(data_links)
    before = {"title": challenge.title, "track_id": challenge.track_id}
    challenge.title, challenge.description, challenge.track_id, challenge.data_links = (
        title, description, track_id, links)
    record_audit(actor=actor, action="challenge.update", event_id=challenge.event_id, target=challenge,
                 before=before, after={"title": title, "track_id": track_id})
    db.session.commit()
    return challenge


def delete_challenge(actor: User, challenge: Challenge) -> None:
    """Delete a challenge; the teams that chose it have no challenge any more."""
    if not can_edit_challenge(actor, challenge):
        raise NotAllowed(_("Only the challenge's author or an organiser can delete it."))
    record_audit(actor=actor, action="challenge.delete", event_id=challenge.event_id, target=challenge,
                 before={"title": challenge.title, "track_id": challenge.track_id})
    db.session.execute(delete(TeamChallenge).where(TeamChallenge.challenge_id == challenge.id))
    db.session.delete(challenge)
    db.session.commit()


def team_challenge(team_id: int) -> Challenge | None:
    """The challenge the team chose, or None."""
    return db.session.scalar(select(Challenge).join(TeamChallenge, TeamChallenge.challenge_id == Challenge.id)
                             .where(TeamChallenge.team_id == team_id))


def choose_challenge(actor: User, event: Event, challenge_id: int | None, *, now: datetime) -> Challenge | None:
    """Set (or with None clear) the challenge of the actor's accepted team; only while hacking is on."""
    if not can_choose_challenge(actor, event):
        raise NotAllowed(_("Only members of an accepted team choose a challenge."))
    if event.phase(now) != Phase.hacking:
        raise OutOfPhase(_("Teams choose a challenge while hacking is on."))
    team_id = accepted_team_id(actor, event)
    challenge = get_challenge(event, challenge_id) if challenge_id is not None else None
    current = db.session.scalar(select(TeamChallenge).where(TeamChallenge.team_id == team_id))
    before = {"challenge_id": current.challenge_id if current else None}
    if challenge is None:
        if current is not None:
            db.session.delete(current)
    elif current is None:
        db.session.add(TeamChallenge(team_id=team_id, challenge_id=challenge.id, chosen_at=now))
    elif current.challenge_id != challenge.id:
        current.challenge_id, current.chosen_at = challenge.id, now
    record_audit(actor=actor, action="challenge.choose", event_id=event.id, target=None,
                 before=before, after={"team_id": team_id, "challenge_id": challenge.id if challenge else None})
    db.session.commit()
    return challenge


@dataclass
class ChallengesPage:
    challenges: list[Challenge]
    choosers: dict[int, list[str]]  # challenge id -> names of the teams that chose it
    show_team_names: bool           # organisers and mentors see which teams; others only how many
    my_team_id: int | None
    my_choice: Challenge | None


def challenges_page(viewer: User, event: Event, *, track_id: int | None) -> ChallengesPage:
    """Everything the challenges page shows, in a constant number of queries."""
    team_id = accepted_team_id(viewer, event)
    return ChallengesPage(challenges=list_challenges(event, track_id=track_id), choosers=choosers(event),
                          show_team_names=can_post_challenge(viewer, event),
                          my_team_id=team_id, my_choice=team_challenge(team_id) if team_id else None)


