"""`flask coop send-digests`: send digests now, without waiting for beat."""

import click

from coop.cli import coop_cli
from coop.digests.models import Frequency


@coop_cli.command("send-digests")
@click.argument("frequency", type=click.Choice([Frequency.DAILY.value, Frequency.WEEKLY.value]))
def send_digests(frequency: str) -> None:
    """Send now, to every member who chose FREQUENCY, what is new since their last digest."""
    from coop.celery_app import enqueue
    from coop.digests.services import plan_now
    from coop.extensions import db
    from coop.uktime import utcnow

    now = utcnow()
    planned = plan_now(frequency, now)
    db.session.commit()
    for first_id, last_id in planned.batches:
        enqueue("coop.digests.send_batch", frequency, now.isoformat(), first_id, last_id)
    if not planned.batches:
        click.echo(f"Queued no {frequency} digest: {planned.reason}.")
        return
    click.echo(
        f"Queued {frequency} digests for {planned.members} member(s) in "
        f"{len(planned.batches)} batch(es); the worker sends them. Members with nothing new "
        "since their last digest get no email."
    )
