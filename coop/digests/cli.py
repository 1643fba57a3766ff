"""`flask coop send-digests`: send this period's digests now, without waiting for beat."""

import click

from coop.accounts.cli import coop_cli
from coop.digests.models import Frequency


@coop_cli.command("send-digests")
@click.argument("frequency", type=click.Choice([Frequency.DAILY.value, Frequency.WEEKLY.value]))
def send_digests(frequency: str) -> None:
    """Plan the current period's digests (members already served are left out)."""
    from flask import current_app

    batches = current_app.extensions["celery"].tasks["coop.digests.plan"].apply_async((frequency,))
    click.echo(f"Queued the {frequency} digests ({batches.id}); the worker sends them.")
