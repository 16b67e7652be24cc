"""`flask privacy ...`: the daily purge of profile data past each event's retention period (no rules here)."""
from __future__ import annotations

import click

from hackathon.privacy import bp


@bp.cli.command("purge-due")
def purge_due_command() -> None:
    """Anonymise the profile data of applicants and participants of every event past its retention period
    (run it daily, e.g. from cron; a purged event is never purged again)."""
    from hackathon.privacy.retention import purge_due

    results = purge_due()
    for slug, report in results:
        click.echo(f"{slug}: profile data cleared for {report.people} people ({report.kept_for_later} kept for an "
                   f"event not purged yet), free-text answers removed from {report.applications} applications")
    click.echo(f"{len(results)} events purged")
