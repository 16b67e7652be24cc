"""Decision mails: the built-in wording, organisers' per-event overrides, and safe filling of placeholders.

A template is plain text with placeholders such as {name}. Filling it is one pass over the text: a value is
never searched for placeholders again, a placeholder we do not know is left exactly as typed, and in the HTML
version both the organiser's text and every value are escaped (a team called `<script>` stays text). A line
whose placeholders all came out empty is left out, so "Team: {team}" disappears for individual applicants and
"Note from the organisers: {reason}" when no reason was given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from hackathon.i18n import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import select

from hackathon.accounts.models import User
from hackathon.applications.models import MailTemplate
from hackathon.audit import record_audit
from hackathon.errors import DomainError, NotAllowed, NotFound
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.permissions import can_decide_applications

SUBJECT_MAX = 200
BODY_MAX = 10000

# The mails a decision (or the confirmation deadline) sends; also the `key` of MailTemplate rows.
DECISION_MAILS = ("accepted", "waitlisted", "rejected", "promoted", "lapsed")

MAIL_LABELS = {
    "accepted": _l("Accepted"),
    "waitlisted": _l("Waitlisted"),
    "rejected": _l("Rejected"),
    "promoted": _l("Promoted from the waitlist"),
    "lapsed": _l("Place released (not confirmed in time)"),
}

PLACEHOLDERS = {
    "name": _l("the recipient's name"),
    "event": _l("the event's title"),
    "team": _l("the team's name (empty for individual applications)"),
    "confirm_by": _l("the date and time by which to confirm, in the event's timezone"),
    "reason": _l("the reason typed with the decision (empty when none was given)"),
    "link": _l("the link to the applicant's page at the event"),
    "places": _l("how many places are taken, when the waitlist is because all of them are (else empty)"),
}

# Values that are links become <a> elements in the HTML version.
LINK_PLACEHOLDERS = frozenset({"link"})

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

BUILT_IN = {
    "accepted": (
        _l("Accepted: {event}"),
        _l("Hello {name},\n\n"
           "Good news: your application to {event} is accepted.\n"
           "Team: {team}\n\n"
           "Please confirm that you will take part by {confirm_by}. Open your page at the event and press "
           "\"Confirm participation\" (for a team, the captain confirms for everyone):\n"
           "{link}\n\n"
           "If you cannot take part, please decline on the same page so that your place goes to the waitlist. "
           "A place that is not confirmed in time also goes to the waitlist.\n\n"
           "Note from the organisers: {reason}\n\n"
           "See you at {event}!"),
    ),
    "waitlisted": (
        _l("Waitlist: {event}"),
        _l("Hello {name},\n\n"
           "Thank you for applying to {event}. Your application is on the waitlist: we cannot offer you a place "
           "yet.\n"
           "{places}\n"
           "Team: {team}\n\n"
           "If a place can be offered to you later, we will write to you at once.\n\n"
           "Note from the organisers: {reason}\n\n"
           "You can follow your application here:\n"
           "{link}"),
    ),
    "rejected": (
        _l("Your application to {event}"),
        _l("Hello {name},\n\n"
           "Thank you for applying to {event}. We are sorry: this time we cannot offer you a place.\n"
           "Team: {team}\n\n"
           "Note from the organisers: {reason}\n\n"
           "We hope to see you at a future event."),
    ),
    "promoted": (
        _l("A place is free for you: {event}"),
        _l("Hello {name},\n\n"
           "A place became free at {event} and it is yours: your application moved from the waitlist to "
           "accepted.\n"
           "Team: {team}\n\n"
           "Please confirm that you will take part by {confirm_by} (for a team, the captain confirms for "
           "everyone):\n"
           "{link}\n\n"
           "A place that is not confirmed in time goes to the next on the waitlist."),
    ),
    "lapsed": (
        _l("Your place at {event} was released"),
        _l("Hello {name},\n\n"
           "Your place at {event} was not confirmed by {confirm_by}, so it went to the waitlist.\n"
           "Team: {team}\n\n"
           "If you think this is a mistake, please contact the organisers.\n"
           "{link}"),
    ),
}


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


@dataclass(frozen=True)
class FilledMail:
    subject: str
    body_text: str
    body_html: Markup


def places_taken_text(capacity: int | None) -> str:
    """The {places} sentence in the current locale: said only when every one of `capacity` places is taken."""
    if capacity is None:
        return ""
    if capacity == 1:
        return _("The event's only team place is taken.")
    return ngettext("All %(num)d team place is taken.", "All %(num)d team places are taken.", capacity)


def built_in_text(key: str) -> MailText:
    """The built-in wording in the current locale (wrap the call in force_locale for another language)."""
    subject, body = BUILT_IN[key]
    return MailText(subject=str(subject), body=str(body))


def built_in_text_in(key: str, locale: str) -> MailText:
    with force_locale(locale):
        return built_in_text(key)


def template_languages(event: Event) -> list[str]:
    """The languages organisers word mails in: the event's languages that the site speaks."""
    languages = [code for code in event.languages if code in current_app.config["LANGUAGES"]]
    return languages or [current_app.config["BABEL_DEFAULT_LOCALE"]]


def overrides_for(event: Event) -> dict[tuple[str, str], MailTemplate]:
    """Every override of the event, by (key, locale), in one query."""
    rows = db.session.scalars(select(MailTemplate).where(MailTemplate.event_id == event.id))
    return {(row.key, row.locale): row for row in rows}


def text_for(key: str, locale: str, overrides: dict[tuple[str, str], MailTemplate]) -> MailText:
    """The organisers' wording for this mail and language if there is one, else the built-in one."""
    row = overrides.get((key, locale))
    if row is not None:
        return MailText(subject=row.subject, body=row.body)
    return built_in_text_in(key, locale)


# Filling -----------------------------------------------------------------------------------------------------------

def _clean(value: object) -> str:
    """A value on one line: names and reasons never bring their own line breaks into a mail."""
    return " ".join(str(value).split()) if value is not None else ""


def _fill_line(line: str, values: dict[str, str]) -> tuple[str, Markup] | None:
    """One line as text and as HTML, or None when every placeholder on it came out empty."""
    known = [match.group(1) for match in PLACEHOLDER.finditer(line) if match.group(1) in values]
    if known and not any(values[name] for name in known):
        return None
    text_parts: list[str] = []
    html_parts: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(line):
        name = match.group(1)
        if name not in values:
            continue  # unknown: stays as typed (it is part of the literal text around it)
        literal = line[position:match.start()]
        text_parts.append(literal)
        html_parts.append(str(escape(literal)))
        value = values[name]
        text_parts.append(value)
        if name in LINK_PLACEHOLDERS and value.startswith(("https://", "http://")):
            html_parts.append(f'<a href="{escape(value)}">{escape(value)}</a>')
        else:
            html_parts.append(str(escape(value)))
        position = match.end()
    literal = line[position:]
    text_parts.append(literal)
    html_parts.append(str(escape(literal)))
    # Values never end in spaces (see _clean), so stripping the escaped HTML strips only the template's spaces.
    return "".join(text_parts).rstrip(), Markup("".join(html_parts).rstrip())


def fill_text(template: str, values: dict[str, object]) -> tuple[str, Markup]:
    """The body as plain text and as HTML paragraphs; see the module docstring for the rules."""
    clean = {name: _clean(value) for name, value in values.items()}
    paragraphs: list[list[tuple[str, Markup]]] = [[]]
    for line in template.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        filled = _fill_line(line.rstrip(), clean)
        if filled is not None:
            paragraphs[-1].append(filled)
    paragraphs = [paragraph for paragraph in paragraphs if paragraph]
    text = "\n\n".join("\n".join(text for text, _html in paragraph) for paragraph in paragraphs)
    html = Markup("\n").join(
        Markup("<p>") + Markup("<br>\n").join(html for _text, html in paragraph) + Markup("</p>")
        for paragraph in paragraphs
    )
    return text + "\n", html


def fill_subject(template: str, values: dict[str, object]) -> str:
    clean = {name: _clean(value) for name, value in values.items()}
    subject = PLACEHOLDER.sub(lambda match: clean.get(match.group(1), match.group(0)), template)
    return " ".join(subject.split())


def fill(mail: MailText, values: dict[str, object]) -> FilledMail:
    body_text, body_html = fill_text(mail.body, values)
    return FilledMail(subject=fill_subject(mail.subject, values), body_text=body_text, body_html=body_html)


def unknown_placeholders(*texts: str) -> list[str]:
    """Placeholders typed that we do not fill (shown as a warning: they reach the mail as typed)."""
    found = {match.group(1) for text in texts for match in PLACEHOLDER.finditer(text)}
    return sorted(found - set(PLACEHOLDERS))


# Organisers' overrides ---------------------------------------------------------------------------------------------

def _check(actor: User, event: Event, key: str, locale: str) -> None:
    if not can_decide_applications(actor, event):
        raise NotAllowed()
    if key not in DECISION_MAILS or locale not in template_languages(event):
        raise NotFound()


def save_mail_template(actor: User, event: Event, *, key: str, locale: str, subject: str, body: str,
                       now: datetime | None = None) -> MailTemplate:
    """Store the organisers' wording of one decision mail in one language (replacing an earlier one)."""
    _check(actor, event, key, locale)
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject or not body:
        raise DomainError(_("The subject and the text are both needed."))
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise DomainError(_("The subject or the text is too long."))
    row = db.session.scalar(select(MailTemplate).where(
        MailTemplate.event_id == event.id, MailTemplate.key == key, MailTemplate.locale == locale))
    before = {"subject": row.subject, "body": row.body} if row is not None else None
    if row is None:
        row = MailTemplate(event_id=event.id, key=key, locale=locale)
        db.session.add(row)
    elif (row.subject, row.body) == (subject, body):
        return row
    row.subject, row.body, row.updated_by_id = subject, body, actor.id
    db.session.flush()
    record_audit(actor=actor, action="mail_template.save", event_id=event.id, target=row,
                 before=before, after={"key": key, "locale": locale, "subject": subject, "body": body})
    db.session.commit()
    return row


def reset_mail_template(actor: User, event: Event, *, key: str, locale: str) -> bool:
    """Go back to the built-in wording; False when there was no override."""
    _check(actor, event, key, locale)
    row = db.session.scalar(select(MailTemplate).where(
        MailTemplate.event_id == event.id, MailTemplate.key == key, MailTemplate.locale == locale))
    if row is None:
        return False
    record_audit(actor=actor, action="mail_template.reset", event_id=event.id, target=row,
                 before={"key": key, "locale": locale, "subject": row.subject, "body": row.body})
    db.session.delete(row)
    db.session.commit()
    return True
