"""Teams, their members and invitations into them."""
from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hackathon.accounts.models import User
from hackathon.database import TimestampMixin, utcnow
from hackathon.events.models import Event, Track
from hackathon.extensions import db

TEAM_NAME_MAX = 80


def team_name_key(name: str) -> str:
    """The name as compared for uniqueness: Unicode-normalised (NFKC), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class Team(TimestampMixin, db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("event_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TEAM_NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(TEAM_NAME_MAX * 2))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    idea: Mapped[str] = mapped_column(Text, default="")
    captain_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Secret code for the join link; anyone with it may ask to join (the captain's link to share).
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    looking_for_members: Mapped[bool] = mapped_column(default=True)
    wanted_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept in step with team_members by the join services, and bumped with a conditional UPDATE so
    # that concurrent joins can never push a team above the event's maximum size.
    member_count: Mapped[int] = mapped_column(default=0)
    formed_by_organisers: Mapped[bool] = mapped_column(default=False)

    event: Mapped[Event] = relationship()
    track: Mapped[Track | None] = relationship()
    captain: Mapped[User | None] = relationship()
    members: Mapped[list[TeamMember]] = relationship(back_populates="team", cascade="all, delete-orphan",
                                                     order_by="TeamMember.joined_at, TeamMember.id")


class TeamMember(db.Model):
    """A person in a team; the unique (event, user) pair makes 'one team per event' a database rule."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class TeamInvitationKind(str, enum.Enum):
    invite = "invite"    # the team invites a person (by email or from the board)
    request = "request"  # a person asks to join the team


class TeamInvitationStatus(str, enum.Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"


class TeamInvitation(db.Model):
    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TeamInvitationKind] = mapped_column(db.Enum(TeamInvitationKind, native_enum=False, length=16))
    status: Mapped[TeamInvitationStatus] = mapped_column(
        db.Enum(TeamInvitationStatus, native_enum=False, length=16), default=TeamInvitationStatus.pending)
    email: Mapped[str] = mapped_column(String(254))
    # The invitee (invite) or the person asking (request), once known.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret in a mailed link (invites by email); None for board invitations and requests.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.status == TeamInvitationStatus.pending and now < self.expires_at
