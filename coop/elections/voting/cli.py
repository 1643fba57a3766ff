"""`flask coop election-recount FILE`: recount a board election from its downloaded ballot
set (the same check as `python -m coop.elections.voting.recount FILE`, which needs no app)."""

import click

from coop.cli import coop_cli
from coop.elections.voting.recount import recount_text, report


@coop_cli.command("election-recount")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def election_recount(file: str) -> None:
    """Verify the mix and the decryptions and count the election again from FILE."""
    result = recount_text(file)
    lines = report(result)
    for line in lines[:-1]:
        click.echo(line)
    if not result.ok:
        raise click.ClickException(lines[-1])
    click.echo(lines[-1])
