"""Create forms sent twice make one object: each create form carries a one-time nonce, claimed in the database.

A page with a create form (a track, a round, a criterion, an award, a question, a milestone, a challenge, a
team, an invitation, a help request, ...) renders `{{ once_field() }}` (or `render_form(form, once=true)`): a
hidden `_once` field with a fresh random value.

Before the view, a POST carrying it claims the value: one INSERT into `form_nonces` in a short transaction of
its own (a connection of its own, committed at once), so a request sent at the same instant (a double click on
a slow connection, two tabs) sees the claim, and the primary key lets exactly one of them in. The one that finds
the value taken is not handed to the view: it is redirected (303), with a polite message, to what the first use
made, or back to the form's page while the first is still being handled. So nothing is created twice and
nothing fails.

After the view, a create that went through (a redirect with no error flash: post/redirect/get) records the
address it led to on its claim; anything else (form errors, a refusal, an error page, the sign-in page)
releases the claim, and so does a request that raised, so the person can correct the form and send it again.
Claims older than `KEEP_FOR` are deleted now and then by the claims themselves (every `PRUNE_EVERY`-th claim
on average).
"""
from __future__ import annotations

import random
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from hackathon.database import utcnow
from hackathon.extensions import db

FIELD = "_once"
MAX_LENGTH = 40
# What once_field() makes (token_urlsafe): anything else in the field is not ours and is ignored.
NONCE = re.compile(r"[A-Za-z0-9_-]{1,%d}" % MAX_LENGTH)
LOCATION_LENGTH = 2000
KEEP_FOR = timedelta(days=2)
PRUNE_EVERY = 200


class FormNonce(db.Model):
    """A one-time form value that was sent: who sent it, when, and (once done) the address its create led to."""

    __tablename__ = "form_nonces"

    nonce: Mapped[str] = mapped_column(String(MAX_LENGTH), primary_key=True)
    # For the record only, not a foreign key: a claim never holds up deleting an account.
    user_id: Mapped[int | None]
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None while the first request is still being handled.
    location: Mapped[str | None] = mapped_column(String(LOCATION_LENGTH))


def once_field() -> Markup:
    """The hidden field of a create form (a template global)."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, secrets.token_urlsafe(12))


def _nonce() -> str | None:
    if request.method != "POST" or request.mimetype not in ("application/x-www-form-urlencoded",
                                                            "multipart/form-data"):
        return None
    value = request.form.get(FIELD)
    return value if value and NONCE.fullmatch(value) else None


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _form_page() -> str:
    """Where the form was: the referring page if it is on this site, else this address as a GET."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme in ("http", "https") and parts.netloc == request.host and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def _to_sign_in(location: str) -> bool:
    """A redirect to the sign-in page (the session had ended) made nothing: the form can be sent again."""
    view = current_app.login_manager.login_view
    return bool(view) and urlsplit(location).path == url_for(view)


def claim_nonce(nonce: str, *, user_id: int | None, now: datetime | None = None) -> FormNonce | None:
    """Claim the value in a committed transaction of its own: None if this request is the first to send it,
    else the claim of the one that was (its location is None while that request is still being handled)."""
    now = now or utcnow()
    for _attempt in range(2):
        try:
            with db.engine.begin() as connection:
                connection.execute(insert(FormNonce).values(nonce=nonce, user_id=user_id, claimed_at=now))
        except IntegrityError:
            with db.engine.connect() as connection:
                row = connection.execute(
                    select(FormNonce.user_id, FormNonce.location).where(FormNonce.nonce == nonce)).first()
            if row is not None:
                return FormNonce(nonce=nonce, user_id=row.user_id, location=row.location)
            continue  # the first sender's claim was released in between (form errors): claim it again
        if random.randrange(PRUNE_EVERY) == 0:
            prune_nonces(now=now)
        return None
    return FormNonce(nonce=nonce, user_id=None, location=None)


def settle_nonce(nonce: str, location: str | None) -> None:
    """After the view: record where a create led, or (location None) release the claim for another try."""
    if location is not None and len(location) > LOCATION_LENGTH:
        location = urlsplit(location).path[:LOCATION_LENGTH] or "/"
    statement = (update(FormNonce).where(FormNonce.nonce == nonce).values(location=location)
                 if location is not None else delete(FormNonce).where(FormNonce.nonce == nonce))
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        current_app.logger.warning("could not settle the one-time form value", exc_info=True)


def prune_nonces(*, now: datetime | None = None) -> int:
    """Delete claims older than KEEP_FOR (a form left open that long gets a fresh value on reload); best effort."""
    cutoff = (now or utcnow()) - KEEP_FOR
    try:
        with db.engine.begin() as connection:
            return connection.execute(delete(FormNonce).where(FormNonce.claimed_at < cutoff)).rowcount
    except SQLAlchemyError:
        current_app.logger.warning("could not prune old one-time form values", exc_info=True)
        return 0


def refuse_replay():
    """Before the view: claim the nonce; one already claimed goes to what its first use made, with a message."""
    nonce = _nonce()
    if nonce is None:
        return None
    user_id = _user_id()
    try:
        first = claim_nonce(nonce, user_id=user_id)
    except SQLAlchemyError:
        # The guard is a convenience: if its table cannot be reached the view runs as it would without it.
        current_app.logger.warning("could not claim the one-time form value", exc_info=True)
        return None
    if first is None:
        g.form_nonce = nonce
        return None
    flash(_("This form was already sent, so it was not sent again: here is what it did."), "info")
    # Another person's value (copied from their page) does not lead to what they made.
    if first.location is not None and first.user_id == user_id:
        return redirect(first.location, 303)
    return redirect(_form_page(), 303)


def settle_claim(response):
    """After the view: a create that went through (a redirect with no error flash) keeps its claim and records
    where it led; anything else releases it, so the corrected form can be sent with the same value."""
    nonce = g.pop("form_nonce", None)
    if nonce is None:
        return response
    done = (300 <= response.status_code < 400 and response.location
            and not any(category == "error" for category, _message in session.get("_flashes", []))
            and not _to_sign_in(response.location))
    settle_nonce(nonce, response.location if done else None)
    return response


def release_claim(exc: BaseException | None = None) -> None:
    """A request that raised (so never reached settle_claim) releases its claim."""
    nonce = g.pop("form_nonce", None)
    if nonce is not None:
        db.session.rollback()  # what the failed request holds is discarded anyway; on SQLite it would lock us out
        settle_nonce(nonce, None)


def register_replay_guard(app: Flask) -> None:
    app.jinja_env.globals["once_field"] = once_field
    app.before_request(refuse_replay)
    app.after_request(settle_claim)
    app.teardown_request(release_claim)
