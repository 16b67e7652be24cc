"""`flask applications import EVENT FILE [--mapping ...]`: the page's import from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("import")
@click.argument("event_slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", default="", help='Columns the headings do not name, e.g. "Contact=email,Why=question:12" '
                                             "(targets: email, name, year_of_birth, gender, region, country, "
                                             "background, organisation, skills, first_hackathon, locale, "
                                             "looking_for_team, question:<id>, ignore).")
@click.option("--dry-run", is_flag=True, help="Check every row and print the report; write nothing.")
@with_appcontext
def import_command(event_slug: str, path: str, mapping: str, dry_run: bool) -> None:
    """Import applicants of EVENT from a CSV (UTF-8, comma or semicolon) or XLSX file: all rows or none."""
    from flask import current_app
    from sqlalchemy import select

    from hackathon.applications.import_service import ImportRefused, import_applicants
    from hackathon.events.models import Event
    from hackathon.extensions import db

    event = db.session.scalar(select(Event).where(Event.slug == event_slug))
    if event is None:
        raise click.ClickException(f"No event {event_slug!r}.")
    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException("Set SERVER_NAME (and PREFERRED_URL_SCHEME) so that the invitations carry links.")
    with open(path, "rb") as source:
        try:
            report = import_applicants(None, event, source, mapping_text=mapping or None, dry_run=dry_run)
        except ImportRefused as error:
            raise click.ClickException(f"{error.message} Nothing was imported.") from None
    for note in report.notes:
        click.echo(note)
    if not report.ok:
        for error in report.errors:
            click.echo(f"line {error.line}: {'; '.join(error.messages)}", err=True)
        if report.error_count > len(report.errors):
            click.echo(f"... and {report.error_count - len(report.errors)} more rows with problems", err=True)
        raise click.ClickException(f"{report.error_count} rows with problems: nothing was imported.")
    verb = "checked (dry run, nothing written)" if dry_run else "imported"
    click.echo(f"{report.rows} rows: {report.accounts_created} accounts created, {report.applications_created} "
               f"applications created, {report.applications_updated} updated, {report.unchanged} unchanged "
               f"({verb}, {report.seconds:.1f} s)")
