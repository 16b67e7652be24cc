"""Importing applicants from a CSV or XLSX file: check every row first, write nothing unless all of them hold.

One function for the page, the CLI (`flask applications import`) and the API: `import_applicants`. People are
matched by email: a known address gets the application (their own profile is only filled where empty, never
overwritten); an unknown one gets a new account without a password and a mail inviting them to set one through
the password reset page. Each person gets one individual application, submitted; a person who already has one
keeps it, and only answers that differ are changed, so importing the same file twice changes nothing. Everything
is written in one commit with one audit entry; a file of more than APPLICANT_IMPORT_MAX_ROWS rows is refused.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Mapping

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, select, text

from hackathon.accounts.countries import ISO_3166_ALPHA_2
from hackathon.accounts.models import User
from hackathon.accounts.services import InvalidEmail, normalise_email
from hackathon.applications import import_rows as rows_
from hackathon.applications.models import Application, ApplicationKind, ApplicationStatus
from hackathon.applications.services import _problem_message, active_questions, event_year, question_spec
from hackathon.audit import record_audit
from hackathon.database import utcnow
from hackathon.errors import DomainError, NotAllowed
from hackathon.events.models import Event
from hackathon.extensions import db
from hackathon.i18n import lazy_gettext as _l
from hackathon.permissions import can_decide_applications
from hackathon.teams.models import Team, TeamMember

ERRORS_SHOWN = 200
PREVIEW_ROWS = 5
# Imported accounts have no password until their owner sets one: this is no Argon2 hash, so nothing verifies.
NO_PASSWORD = "!imported"
CHUNK = 500
ANALYZE_AFTER = 1000  # new rows after which PostgreSQL's statistics are refreshed

TARGET_LABELS = {
    "email": _l("Email address"), "name": _l("Name"), "year_of_birth": _l("Year of birth"), "gender": _l("Gender"),
    "region": _l("Region (code or name)"), "country": _l("Country (two-letter code)"), "background": _l("Background (it or non_it)"),
    "organisation": _l("Organisation"), "skills": _l("Skills"), "first_hackathon": _l("First hackathon (yes/no)"),
    "locale": _l("Language (en, ru, ky)"), "looking_for_team": _l("Looking for a team (yes/no)"),
    rows_.IGNORE: _l("Ignore this column"),
}


class ImportRefused(DomainError):
    """The file as a whole cannot be imported (unreadable, too many rows, no email column)."""


@dataclass
class RowError:
    line: int
    messages: list[str]


@dataclass
class ImportReport:
    header: list[str] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    preview: list[rows_.Record] = field(default_factory=list)
    written: bool = False
    accounts_created: int = 0
    applications_created: int = 0
    applications_updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error_count

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "written": self.written, "accounts_created": self.accounts_created,
                "applications_created": self.applications_created,
                "applications_updated": self.applications_updated, "unchanged": self.unchanged,
                "error_count": self.error_count, "errors": [{"line": e.line, "messages": e.messages}
                                                            for e in self.errors],
                "notes": self.notes,
                "mapping": {self.header[i] if i < len(self.header) else str(i + 1): t
                            for i, t in sorted(self.mapping.items())}}


def max_rows() -> int:
    return current_app.config.get("APPLICANT_IMPORT_MAX_ROWS", 50_000)


def question_infos(event: Event) -> dict[str, rows_.QuestionInfo]:
    infos = {}
    for question in active_questions(event):
        labels = tuple(text for text in (question.label or {}).values() if text)
        options = {}
        for option in question.options or []:
            options.setdefault(rows_.heading_key(option["value"]), option["value"])
            for text in (option.get("label") or {}).values():
                if text:
                    options.setdefault(rows_.heading_key(text), option["value"])
        info = rows_.QuestionInfo(spec=question_spec(question), labels=labels, option_labels=options)
        infos[info.target] = info
    return infos


def target_choices(event: Event, locale: str) -> list[tuple[str, str]]:
    """(target, label) for the mapping form: ignore, the profile fields, the event's questions."""
    from hackathon.applications.answers import pick_text

    choices = [(rows_.IGNORE, str(TARGET_LABELS[rows_.IGNORE]))]
    choices += [(target, str(TARGET_LABELS[target])) for target in rows_.PROFILE_TARGETS]
    for question in active_questions(event):
        label = pick_text(question.label, locale, event.languages) or f"#{question.id}"
        choices.append((f"question:{question.id}", _("Question: %(label)s", label=label[:80])))
    return choices


def _file_message(problem: rows_.Problem) -> str:
    code, params = problem.code, problem.params
    if code == "not_utf8":
        return _("The file is not UTF-8 text. Save it as “CSV UTF-8” (or as XLSX) and upload it again.")
    if code == "bad_csv":
        return _("The file cannot be read as CSV: %(detail)s", detail=params.get("detail", ""))
    if code in ("bad_xlsx", "too_large_unpacked"):
        return _("The file cannot be read as an XLSX workbook. Save it again from your spreadsheet program, or "
                 "as CSV.")
    if code == "too_many_columns":
        return ngettext("The file has more than %(max)d column.", "The file has more than %(max)d columns.",
                        params["max"], max=params["max"])
    if code == "no_email_column":
        return _("No column holds the email address: map one column to “Email address”.")
    if code == "unknown_heading":
        return _("There is no column “%(heading)s” in the file.", heading=problem.column[:80])
    if code == "unknown_target":
        return _("“%(target)s” is not something a column can be imported as.", target=str(params["target"])[:80])
    if code == "mapped_twice":
        return _("Two columns are imported as “%(target)s”: choose one.", target=params["target"])
    return _("The file cannot be imported.")


def _row_message(problem: rows_.Problem) -> str:
    column, code, params = problem.column[:60], problem.code, problem.params
    if code == "answer":
        text = _problem_message(params["problem"])
    elif code == "bad_email":
        text = params.get("detail") or _("Enter a valid email address, like name@example.org.")
    elif code == "bad_year":
        text = _("Not a year of birth: %(value)s.", value=params.get("value", ""))
    elif code == "bad_gender":
        text = _("Not one of female, male, other, undisclosed: %(value)s.", value=params.get("value", ""))
    elif code == "bad_background":
        text = _("Not one of it, non_it: %(value)s.", value=params.get("value", ""))
    elif code == "bad_locale":
        text = _("Not one of en, ru, ky: %(value)s.", value=params.get("value", ""))
    elif code == "bad_region":
        text = _("Not a region of the list (a code such as chuy, or a name such as Chuy region): %(value)s.",
                 value=params.get("value", ""))
    elif code == "bad_country":
        text = _("Not a two-letter country code (like KG): %(value)s.", value=params.get("value", ""))
    elif code == "not_yes_no":
        text = _("Answer yes or no.")
    elif code == "cell_too_long":
        text = ngettext("Use at most %(max)d character.", "Use at most %(max)d characters.", params["max"],
                        max=params["max"])
    elif code == "too_long":
        text = _("This text is too long.")
    elif code == "duplicate":
        return _("The address %(email)s is also on line %(line)s: each person once.", email=params["email"],
                 line=params["line"])
    elif code == "in_team":
        return _("%(email)s is in the team “%(team)s” at this event: its application covers them.",
                 email=params["email"], team=params["team"])
    else:
        text = _("This value cannot be imported.")
    return f"{column}: {text}" if column else text


def _email(text: str) -> str:
    try:
        return normalise_email(text)
    except InvalidEmail as error:
        raise ValueError(error.message) from None


def _add_error(report: ImportReport, line: int, messages: list[str]) -> None:
    report.error_count += 1
    if len(report.errors) < ERRORS_SHOWN:
        report.errors.append(RowError(line, messages))


def check_file(event: Event, source: BinaryIO, *, mapping: Mapping[int, str] | None = None,
               mapping_text: str | None = None, now: datetime | None = None
               ) -> tuple[ImportReport, list[rows_.Record]]:
    """Read and check every row (nothing is written): the report, and the records when every row holds."""
    now = now or utcnow()
    report = ImportReport()
    questions = question_infos(event)
    year = event_year(event, now)
    limit = max_rows()
    regions = region_names()
    records: list[rows_.Record] = []
    seen: dict[str, int] = {}
    rows = rows_.read_rows(source)
    try:
        header: list[str] | None = None
        line = 0
        for cells in rows:
            line += 1
            if header is None:
                if not any(cell.strip() for cell in cells):
                    continue
                header = [cell.strip() for cell in cells]
                report.header = header
                if mapping is not None:
                    report.mapping = {i: t for i, t in mapping.items() if i < len(header)}
                elif mapping_text:
                    report.mapping, problems = rows_.parse_mapping_text(mapping_text, header)
                    automatic = rows_.auto_mapping(header, questions.values())
                    for index, target in automatic.items():
                        if index not in report.mapping and target not in report.mapping.values():
                            report.mapping[index] = target
                    if problems:
                        raise ImportRefused(" ".join(_file_message(p) for p in problems))
                else:
                    report.mapping = rows_.auto_mapping(header, questions.values())
                problems = rows_.check_mapping(report.mapping, questions.values())
                if problems:
                    raise ImportRefused(" ".join(_file_message(p) for p in problems))
                ignored = [header[i] or str(i + 1) for i in range(len(header))
                           if report.mapping.get(i, rows_.IGNORE) == rows_.IGNORE]
                if ignored:
                    report.notes.append(_("These columns are not imported: %(columns)s.",
                                          columns=", ".join(f"“{name[:60]}”" for name in ignored)))
                continue
            if not any(cell.strip() for cell in cells):
                continue
            report.rows += 1
            if report.rows > limit:
                raise ImportRefused(ngettext(
                    "The file has more than %(max)d applicant row: split it into smaller files.",
                    "The file has more than %(max)d applicant rows: split it into smaller files.", limit, max=limit))
            record, problems = rows_.check_row(line, cells, header, report.mapping, questions, year=year,
                                               normalise_email=_email)
            if record is not None and "region" in record.profile:
                code = regions.get(rows_.heading_key(record.profile["region"]))
                if code is None:
                    problems = [rows_.Problem("bad_region", column=_column_of(report, "region"),
                                              params={"value": record.profile["region"][:60]})]
                    record = None
                else:
                    record.profile["region"] = code
            if record is not None and record.profile.get("country") not in (None, *ISO_3166_ALPHA_2):
                problems = [rows_.Problem("bad_country", column=_column_of(report, "country"),
                                          params={"value": record.profile["country"]})]
                record = None
            if record is not None:
                first = seen.get(record.email)
                if first is not None:
                    problems = [rows_.Problem("duplicate", params={"email": record.email, "line": first})]
                    record = None
                else:
                    seen[record.email] = line
            if problems:
                _add_error(report, line, [_row_message(p) for p in problems])
                continue
            if report.error_count == 0:
                records.append(record)
                if len(report.preview) < PREVIEW_ROWS:
                    report.preview.append(record)
    except rows_.FileProblem as error:
        raise ImportRefused(_file_message(error.problem)) from None
    finally:
        rows.close()
    if not report.header:
        raise ImportRefused(_("The file is empty: it needs a heading row and one row per applicant."))
    if report.rows == 0:
        report.notes.append(_("The file has no applicant rows below its headings."))
    return report, (records if report.ok else [])


def region_names() -> dict[str, str]:
    """Every way a file may name a region of the profile's list -> its code: the code, the code with spaces or
    hyphens, and its name in each language (with and without "region"/"city")."""
    from flask_babel import force_locale

    from hackathon.accounts.forms import KYRGYZSTAN_REGIONS

    names: dict[str, str] = {}
    for code, label in KYRGYZSTAN_REGIONS:
        for variant in (code, code.replace("_", " "), code.replace("_", "-")):
            names.setdefault(rows_.heading_key(variant), code)
        for locale in current_app.config["LANGUAGES"]:
            with force_locale(locale):
                names.setdefault(rows_.heading_key(str(label)), code)
    for text, code in list(names.items()):
        for suffix in (" region", " city", " область", " облусу", " шаары", " облысы"):
            if text.endswith(suffix):
                names.setdefault(text.removesuffix(suffix), code)
    return names


def _column_of(report: ImportReport, target: str) -> str:
    return next((report.header[i] for i, t in report.mapping.items() if t == target), target)


def _users_by_email(emails: list[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start:start + CHUNK]
        # Addresses are stored normalised (lower case, see accounts.services.normalise_email): the unique index
        # on users.email serves this, where lower(email) would read the whole table once per chunk.
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            found[user.email.lower()] = user
    return found


def import_applicants(actor: User | None, event: Event, source: BinaryIO, *, mapping: Mapping[int, str] | None = None,
                      mapping_text: str | None = None, dry_run: bool = False,
                      now: datetime | None = None) -> ImportReport:
    """Check the whole file; unless `dry_run` or a row fails, write every applicant in one commit."""
    started = time.perf_counter()
    if actor is not None and not can_decide_applications(actor, event):
        raise NotAllowed()
    now = now or utcnow()
    report, records = check_file(event, source, mapping=mapping, mapping_text=mapping_text, now=now)
    if not report.ok or dry_run or not records:
        report.seconds = time.perf_counter() - started
        return report

    emails = [record.email for record in records]
    users = _users_by_email(emails)
    # A member of a team at the event is covered by the team's application: that row cannot hold.
    teams = dict(db.session.execute(  # an event's team members are a few hundred: read them all
        select(TeamMember.user_id, Team.name).join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.event_id == event.id)).all()) if users else {}
    for record in records:
        user = users.get(record.email)
        if user is not None and user.id in teams:
            _add_error(report, record.line, [_row_message(rows_.Problem(
                "in_team", params={"email": record.email, "team": teams[user.id]}))])
    if not report.ok:
        report.seconds = time.perf_counter() - started
        return report

    new_records = [record for record in records if record.email not in users]
    ids = {email: user.id for email, user in users.items()}
    if new_records:
        # INSERT ... RETURNING gives the new ids in the same statements: selecting 50,000 fresh rows back by
        # address, before PostgreSQL has statistics on them, would scan the table once per chunk.
        profile_keys = [key for key in rows_.PROFILE_TARGETS if key not in ("email", "name", "skills",
                                                                             "looking_for_team")]
        inserted = db.session.execute(insert(User).returning(User.id, User.email), [
            {"email": record.email, "name": record.name or record.email.split("@", 1)[0],
             "password_hash": NO_PASSWORD, "is_admin": False, "is_active_account": True,
             "skills": record.profile.get("skills", []), "created_at": now, "updated_at": now,
             **{key: record.profile.get(key) for key in profile_keys}}
            for record in new_records])
        ids.update({email: user_id for user_id, email in inserted})
        report.accounts_created = len(new_records)

    known_ids = [user.id for user in users.values()]  # only people who had an account can have an application
    existing: dict[int, Application] = {}
    for start in range(0, len(known_ids), CHUNK):
        for application in db.session.scalars(select(Application).where(
                Application.event_id == event.id, Application.individual_user_id.in_(known_ids[start:start + CHUNK]))):
            existing[application.individual_user_id] = application

    fresh = []
    for record in records:
        user_id = ids[record.email]
        user = users.get(record.email)
        if user is not None:
            for key, value in record.profile.items():  # the person's own answers win: only empty fields filled
                if getattr(user, key) in (None, [], ""):
                    setattr(user, key, value)
        application = existing.get(user_id)
        if application is None:
            fresh.append({"event_id": event.id, "kind": ApplicationKind.individual, "user_id": user_id,
                          "individual_user_id": user_id, "status": ApplicationStatus.submitted,
                          "answers": record.answers, "looking_for_team": bool(record.looking_for_team),
                          "submitted_at": now, "created_at": now, "updated_at": now})
            continue
        merged = dict(application.answers or {}) | record.answers
        changed = merged != (application.answers or {})
        if changed:
            application.answers = merged
        if record.looking_for_team is not None and application.looking_for_team != record.looking_for_team:
            application.looking_for_team = record.looking_for_team
            changed = True
        if application.status == ApplicationStatus.draft:
            application.status = ApplicationStatus.submitted
            application.submitted_at = now
            changed = True
        if changed:
            report.applications_updated += 1
        else:
            report.unchanged += 1
    if fresh:
        db.session.execute(insert(Application), fresh)
    report.applications_created = len(fresh)

    if new_records:
        _queue_invitations(event, new_records, now)
    changed = report.accounts_created + report.applications_created + report.applications_updated
    if changed:
        record_audit(actor=actor, action="applications.import", event_id=event.id, target=event,
                     after={"rows": report.rows, "accounts_created": report.accounts_created,
                            "applications_created": report.applications_created,
                            "applications_updated": report.applications_updated, "unchanged": report.unchanged})
    db.session.commit()
    if db.engine.dialect.name == "postgresql" and report.accounts_created + report.applications_created >= ANALYZE_AFTER:
        # Thousands of new rows at once, before autovacuum has looked at them: without statistics PostgreSQL's
        # generic plans (after five runs of one prepared statement) scan users once per lookup, which made
        # re-importing the same 50,000 rows take a minute. ANALYZE is cheap (a sample) and only needs ownership.
        db.session.execute(text("ANALYZE users, applications, outbox_messages"))
        db.session.commit()
    report.written = bool(changed)
    report.seconds = time.perf_counter() - started
    return report


NAME_MARK, EMAIL_MARK = "\u27e6name\u27e7", "\u27e6email\u27e7"


def _queue_invitations(event: Event, records: list[rows_.Record], now: datetime) -> None:
    """One invitation mail per new account, in the outbox, in this transaction. The mail is rendered once per
    language (with and without a name) and the address and name put into copies: rendering each of 50,000 mails
    through `queue_mail` costs about 6 ms apiece (the template context), a minute in all. The rows are not handed
    to the after-request sender either: `flask outbox send` (cron) sends them in batches."""
    from flask_babel import force_locale
    from flask import render_template
    from markupsafe import escape

    from hackathon.mail import OutboxMessage, OutboxStatus

    context = {"event": event, "site_name": current_app.config["SITE_NAME"],
               "reset_url": url_for("accounts.reset_request", _external=True),
               "event_url": url_for("events.overview", slug=event.slug, _external=True), "email": EMAIL_MARK}
    rendered: dict[tuple[str, bool], tuple[str, str, str]] = {}
    rows = []
    for record in records:
        locale = record.profile.get("locale") or event.languages[0]
        if locale not in current_app.config["LANGUAGES"]:
            locale = current_app.config["BABEL_DEFAULT_LOCALE"]
        key = (locale, bool(record.name))
        if key not in rendered:
            with force_locale(locale):
                values = context | {"name": NAME_MARK if record.name else ""}
                rendered[key] = (" ".join(render_template("mail/applicant_imported.subject.txt", **values).split()),
                                 render_template("mail/applicant_imported.txt", **values),
                                 render_template("mail/applicant_imported.html", **values))
        subject, body_text, body_html = rendered[key]
        rows.append({"to_address": record.email, "template": "applicant_imported", "locale": locale,
                     "subject": subject[:255], "event_id": event.id, "status": OutboxStatus.pending, "attempts": 0,
                     "next_attempt_at": now, "created_at": now,
                     "body_text": body_text.replace(NAME_MARK, record.name).replace(EMAIL_MARK, record.email),
                     "body_html": body_html.replace(NAME_MARK, str(escape(record.name)))
                                           .replace(EMAIL_MARK, str(escape(record.email)))})
    for start in range(0, len(rows), CHUNK * 4):
        db.session.execute(insert(OutboxMessage), rows[start:start + CHUNK * 4])


def new_upload_token() -> str:
    return secrets.token_hex(16)
