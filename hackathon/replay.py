"""Create forms sent twice make one object: each create form carries a one-time nonce.

A page with a create form (a track, a round, a criterion, an award, a question, a milestone, a challenge, a
team, an invitation, a help request, ...) renders `{{ once_field() }}` (or `render_form(form, once=true)`): a
hidden `_once` field with a fresh random value. When a POST carrying it ends in a redirect without an error
flash (the create went through: post/redirect/get), the value is remembered in the session with the address it
led to. The same value posted again (a double click, the back button and "send again", a replayed request) is
not handed to the view: it is redirected to that same address with a polite message, so nothing is created
twice and nothing fails.

The session keeps the last `KEEP` values, which is plenty for one person's open tabs. Requests sent at the same
instant with the same cookie (before the first answer arrives) each carry the old session; the services' own
unique constraints remain the last guard there.
"""
from __future__ import annotations

import secrets

from flask import Flask, flash, redirect, request, session
from flask_babel import gettext as _
from markupsafe import Markup

FIELD = "_once"
SESSION_KEY = "_once_done"
KEEP = 20
MAX_LENGTH = 40


def once_field() -> Markup:
    """The hidden field of a create form (a template global)."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, secrets.token_urlsafe(12))


def _nonce() -> str | None:
    if request.method != "POST" or request.mimetype not in ("application/x-www-form-urlencoded",
                                                            "multipart/form-data"):
        return None
    value = request.form.get(FIELD)
    return value if value and len(value) <= MAX_LENGTH else None


def refuse_replay():
    """Before the view: a nonce already used goes to what its first use made, with a message."""
    nonce = _nonce()
    if nonce is None:
        return None
    done = session.get(SESSION_KEY) or {}
    if nonce in done:
        flash(_("This form was already sent, so it was not sent again: here is what it did."), "info")
        return redirect(done[nonce], 303)
    return None


def remember_use(response):
    """After the view: a create that went through (a redirect with no error flash) uses up its nonce."""
    # The status first: reading the form of a refused request (413, too large) would raise again here.
    if not 300 <= response.status_code < 400 or not response.location:
        return response
    nonce = _nonce()
    if nonce is None:
        return response
    if any(category == "error" for category, _message in session.get("_flashes", [])):
        return response
    done = dict(session.get(SESSION_KEY) or {})
    if nonce in done:
        return response
    done[nonce] = response.location
    while len(done) > KEEP:
        done.pop(next(iter(done)))
    session[SESSION_KEY] = done
    return response


def register_replay_guard(app: Flask) -> None:
    app.jinja_env.globals["once_field"] = once_field
    app.before_request(refuse_replay)
    app.after_request(remember_use)
