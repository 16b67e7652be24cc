"""`flask announcements send-due`: send the scheduled announcements whose time has come (run it from cron)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

announcements_cli = AppGroup("announcements", help="Announcements: send the scheduled ones.")


@announcements_cli.command("send-due")
def send_due_command() -> None:
    """Send every scheduled announcement whose time has come; idempotent (nobody is mailed twice)."""
    from hackathon.announcements.services import send_due

    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so that the mails carry links.")
    outcomes = send_due()
    for announcement, sent, problem in outcomes:
        if sent is not None:
            click.echo(f"announcement {announcement.id}: sent to {sent.people} people, {sent.mailed} mailed")
        elif problem:
            click.echo(f"announcement {announcement.id}: not sent, back to draft: {problem}")
    click.echo(f"{sum(1 for _, sent, _ in outcomes if sent is not None)} sent")
