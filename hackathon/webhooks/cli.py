"""`flask webhooks ...`: calls the services, holds no rules."""
from __future__ import annotations

import click
from flask.cli import AppGroup

webhooks_cli = AppGroup("webhooks", help="Webhooks: deliver what is due.")


@webhooks_cli.command("deliver")
@click.option("--limit", default=500, show_default=True, help="At most this many deliveries in one run.")
def deliver_command(limit: int) -> None:
    """Send the webhook deliveries that are due, retrying failed ones with back-off (run it from cron every
    minute)."""
    from hackathon.webhooks.services import deliver_due

    delivered, failed, gave_up = deliver_due(limit=limit)
    click.echo(f"delivered {delivered}, failed {failed} (will try again), gave up {gave_up}")
