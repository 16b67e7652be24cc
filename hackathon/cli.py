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
def create_token_command(email: str, name: str) -> None:
    """Create a personal API token for EMAIL and print it once."""
    from hackathon.accounts.services import create_api_token, find_user_by_email, normalise_email

    try:
        user = find_user_by_email(normalise_email(email))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    _, secret = create_api_token(user, name)
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
    app.cli.add_command(tokens_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(applications_cli)


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
