"""Personal data services: the count of exports and erasures per event, a person's erasure, the retention
settings and purge, consent versions and who accepted which."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from hackathon.accounts.models import User
from hackathon.database import utcnow
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.privacy.models import DataRequest, DataRequestKind


def note_data_request(user: User, kind: DataRequestKind, event_ids: Iterable[int], *,
                      now: datetime | None = None, commit: bool = True) -> int:
    """Count the person once per event for this kind of request (an export, an erasure); returns how many
    events counted them for the first time. Two queries whatever the number of events."""
    now = now or utcnow()
    wanted = set(event_ids)
    if not wanted:
        return 0
    known = set(db.session.scalars(select(DataRequest.event_id).where(
        DataRequest.user_id == user.id, DataRequest.kind == kind, DataRequest.event_id.in_(wanted))))
    new = sorted(wanted - known)
    if new:
        # One statement for all the rows (an executemany), not one INSERT per event.
        db.session.execute(insert(DataRequest), [{"event_id": event_id, "user_id": user.id, "kind": kind,
                                                  "created_at": now} for event_id in new])
    if commit:
        try:
            db.session.commit()
        except IntegrityError:  # the same export in another tab at the same moment: counted there
            db.session.rollback()
            return 0
    return len(new)


def data_request_counts(event: Event) -> dict[str, int]:
    """How many people exported and how many erased their data, for one event (never who)."""
    rows = dict(db.session.execute(select(DataRequest.kind, func.count()).where(DataRequest.event_id == event.id)
                                   .group_by(DataRequest.kind)).all())
    return {kind.value: int(rows.get(kind, 0)) for kind in DataRequestKind}

