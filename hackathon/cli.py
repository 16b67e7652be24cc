"""Click commands; they call services and hold no rules of their own."""
from __future__ import annotations

import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from hackathon.errors import DomainError

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage personal API tokens.")
outbox_cli = AppGroup("outbox", help="Send queued mail.")
accounts_cli = AppGroup("accounts", help="Look after accounts' signed-in sessions.")


@accounts_cli.command("prune-sessions")
def prune_sessions_command() -> None:
    """Delete sessions that ended or expired more than 30 days ago (run it daily, e.g. from cron)."""
    from hackathon.accounts.services import prune_sessions

    click.echo(f"Deleted {prune_sessions()} old sessions.")


@accounts_cli.command("turn-off-two-factor")
@click.argument("email")
def turn_off_two_factor_command(email: str) -> None:
    """Turn off two-factor sign-in for EMAIL (a person who lost their phone and their recovery codes)."""
    from hackathon.accounts.services import find_user_by_email, normalise_email
    from hackathon.accounts.two_factor_services import turn_off_for

    try:
        user = find_user_by_email(normalise_email(email))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    if turn_off_for(user):
        click.echo(f"Two-factor sign-in is off for {user.email}; they sign in with their password alone.")
    else:
        click.echo(f"Two-factor sign-in was not on for {user.email}.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password; a random one is generated and printed when omitted.")
@click.option("--name", default="Site admin", show_default=True)
def create_admin_command(email: str, password: str | None, name: str) -> None:
    """Create a confirmed site admin (or make an existing account one)."""
    from hackathon.accounts.services import create_admin

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        user = create_admin(email, password, name=name)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Site admin: {user.email}")
    if generated:
        click.echo(f"Password: {password}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--scope", type=click.Choice(["read", "write"]), default="read", show_default=True,
              help="write: may also import applicants and decide applications through the API.")
def create_token_command(email: str, name: str, scope: str) -> None:
    """Create a personal API token for EMAIL and print it once."""
    from hackathon.accounts.services import create_api_token, find_user_by_email, normalise_email

    try:
        user = find_user_by_email(normalise_email(email))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    _, secret = create_api_token(user, name, scope=scope)
    click.echo(secret)


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True)
def send_outbox_command(limit: int) -> None:
    """Send pending mail that is due (retries failed sends with back-off)."""
    from hackathon.mail import send_outbox

    sent, failed = send_outbox(limit=limit)
    click.echo(f"sent {sent}, failed {failed}")


@outbox_cli.command("retry")
def retry_outbox_command() -> None:
    """Put mail that gave up back into the queue."""
    from hackathon.mail import retry_failed_outbox

    click.echo(f"re-queued {retry_failed_outbox()}")


@click.command("demo")
@click.option("--force", is_flag=True, help="Allow in production.")
@with_appcontext
def demo_command(force: bool) -> None:
    """Load the demo events and accounts (idempotent)."""
    from hackathon.demo import DEMO_PASSWORD, load_demo

    if not current_app.config["DEMO_ALLOWED"] and not force:
        raise click.ClickException("The demo is refused in production. Use --force if you really mean it.")
    summary = load_demo()
    click.echo(summary)
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}): admin@demo.test, organiser@demo.test, "
               "mentor1@demo.test, juror1@demo.test, applicant1@demo.test")


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(applications_cli)
    from hackathon.applications.import_cli import import_command

    applications_cli.add_command(import_command)
    app.cli.add_command(judging_cli)
    app.cli.add_command(results_cli)
    app.cli.add_command(events_cli)
    from hackathon.announcements.cli import announcements_cli

    app.cli.add_command(announcements_cli)
    from hackathon.webhooks.cli import webhooks_cli

    app.cli.add_command(webhooks_cli)


applications_cli = AppGroup("applications", help="Applications: confirmation deadlines and the waitlist.")


@applications_cli.command("release-unconfirmed")
def release_unconfirmed_command() -> None:
    """Release accepted places not confirmed in time and promote the waitlist, at every event (idempotent)."""
    from hackathon.applications.review import release_all_unconfirmed

    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so that the mails carry links.")
    results = release_all_unconfirmed()
    for slug, outcome in results.items():
        click.echo(f"{slug}: {len(outcome.lapsed)} lapsed, {len(outcome.promoted)} promoted from the waitlist")
    click.echo(f"{sum(len(o.lapsed) for o in results.values())} lapsed, "
               f"{sum(len(o.promoted) for o in results.values())} promoted in total")


judging_cli = AppGroup("judging", help="Jury scoring: leaderboards and paper sheets.")


def _event_and_round(slug: str, round_id: int):
    from sqlalchemy import select

    from hackathon.events.models import Event
    from hackathon.extensions import db
    from hackathon.judging import services

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event {slug!r}.")
    try:
        return event, services.load_round(event, round_id)
    except DomainError:
        raise click.ClickException(f"No round {round_id} at {slug}.") from None


@judging_cli.command("leaderboard")
@click.argument("event_slug")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's leaderboard) instead of a table.")
def leaderboard_command(event_slug: str, round_id: int, as_json: bool) -> None:
    """Print a round's leaderboard."""
    import json

    from hackathon.judging import services

    _event, judging_round = _event_and_round(event_slug, round_id)
    try:
        board = services.round_board(judging_round)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    rows = services.board_json(judging_round, board)
    if as_json:
        click.echo(json.dumps({"round_id": judging_round.id, "method": judging_round.method.value,
                               "sheets": board.board.sheets, "projects": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        tie = "=" if row["tie"] else " "
        click.echo(f"{row['rank']:>4}{tie} {row['display']:7.2f}  raw {row['raw']:7.2f}  z {row['z']:+.3f}  "
                   f"sheets {row['sheets']}  {row['team']['name'] if row['team'] else row['project_id']}")


@judging_cli.command("import-scores")
@click.argument("event_slug")
@click.argument("round_id", type=int)
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_scores_command(event_slug: str, round_id: int, csv_file) -> None:
    """Import paper sheets: header juror_email,team,<criterion name>...,comment. All or nothing."""
    from hackathon.database import utcnow
    from hackathon.judging import services

    event, judging_round = _event_and_round(event_slug, round_id)
    report = services.import_sheets(None, event, judging_round, csv_file.read(), now=utcnow())
    if report.errors:
        for line, message in report.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(f"{len(report.errors)} problem(s): nothing was imported.")
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged")


@judging_cli.command("pitch-reminders")
def pitch_reminders_command() -> None:
    """Mail the teams whose published pitch slot is near (run it from cron every few minutes)."""
    from hackathon.database import utcnow
    from hackathon.judging.schedule import send_reminders

    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so that the mails carry links.")
    click.echo(f"{send_reminders(utcnow())} reminders queued")


results_cli = AppGroup("results", help="Results: publishing at the time the organisers chose.")


@results_cli.command("publish-due")
def publish_due_command() -> None:
    """Publish the results of every event whose scheduled time has come (run it from cron every minute)."""
    from hackathon.database import utcnow
    from hackathon.results.services import publish_due

    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so that the mails carry links.")
    for slug in publish_due(utcnow()):
        click.echo(f"{slug}: results published")


@results_cli.command("certificates")
@click.argument("event_slug")
def certificates_command(event_slug: str) -> None:
    """Issue (or bring up to date) the certificates of every participant of EVENT from its published results."""
    from sqlalchemy import select

    from hackathon.database import utcnow
    from hackathon.events.models import Event
    from hackathon.extensions import db
    from hackathon.results.services import issue_certificates

    event = db.session.scalar(select(Event).where(Event.slug == event_slug))
    if event is None:
        raise click.ClickException(f"No event {event_slug!r}.")
    try:
        report = issue_certificates(event, utcnow())
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{event_slug}: {report.issued} certificates issued, {report.updated} updated, "
               f"{report.revoked} revoked")


events_cli = AppGroup("events", help="Events: the archive of a whole event, out and back in.")


def _files_archive(path: str) -> str:
    base = path[:-5] if path.endswith(".json") else path
    return f"{base}.files.zip"


@events_cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_event_command(slug: str, path: str) -> None:
    """Write event SLUG to PATH (JSON), and its uploaded files to PATH's .files.zip beside it."""
    import json
    import zipfile

    from sqlalchemy import select

    from hackathon.events.archive import export_event
    from hackathon.events.models import Event
    from hackathon.extensions import db

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event {slug!r}.")
    document, files = export_event(event.id)
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, indent=1)
    if files:
        with zipfile.ZipFile(_files_archive(path), "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for key, data in files.items():
                archive.writestr(key, data)
    rows = sum(len(rows) for rows in document["tables"].values())
    click.echo(f"{slug}: {rows} rows, {len(document['users'])} people, {len(files)} files written to {path}")


@events_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--slug", help="Import under this slug (when the archive's is taken here).")
def import_event_command(path: str, slug: str | None) -> None:
    """Restore an event archive (and its .files.zip beside it, if any) as a new event with new ids."""
    import json
    import os
    import zipfile

    from hackathon.events.archive import ArchiveError, import_event

    try:
        with open(path, encoding="utf-8") as source:
            document = json.load(source)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None
    files: dict[str, bytes] = {}
    zipped = _files_archive(path)
    if os.path.exists(zipped):
        try:
            with zipfile.ZipFile(zipped) as archive:
                for info in archive.infolist():
                    if info.file_size > 200 * 1024 * 1024:
                        raise click.ClickException(f"{info.filename}: too large.")
                    files[info.filename] = archive.read(info)
        except zipfile.BadZipFile as error:
            raise click.ClickException(f"{zipped}: {error}") from None
    try:
        event_id = import_event(document, files, slug=slug)
    except ArchiveError as error:
        raise click.ClickException("Nothing was imported:\n" + "\n".join(error.problems[:50])) from None
    click.echo(f"Imported as event {event_id}.")
