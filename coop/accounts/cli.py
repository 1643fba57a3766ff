"""`flask coop ...` commands to manage members from the shell."""

import click
from flask import current_app

from coop.accounts import services
from coop.accounts.models import Role
from coop.cli import coop_cli, run


@coop_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Public display name.")
@click.password_option(help="Prompted for when not given.")
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create a verified admin account."""
    member = run(services.create_verified_member, display_name, email, password, Role.ADMIN)
    click.echo(f"Admin {member.email} created.")


@coop_cli.command("grant-organiser")
@click.argument("email")
@click.option("--reason", required=True, help="Recorded in the audit log.")
def grant_organiser(email: str, reason: str) -> None:
    """Make a member an organiser."""
    member = run(services.set_role, email, Role.ORGANISER, None, reason)
    click.echo(f"{member.email} is now an organiser.")


@coop_cli.command("revoke-organiser")
@click.argument("email")
@click.option("--reason", required=True, help="Recorded in the audit log.")
def revoke_organiser(email: str, reason: str) -> None:
    """Make an organiser a plain member again."""
    member = run(services.set_role, email, Role.MEMBER, None, reason)
    click.echo(f"{member.email} is now a member.")


@coop_cli.command("demo-data")
def demo_data() -> None:
    """Load demo accounts once (development only)."""
    from coop.demo import load_demo_data

    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException("Demo data is for development only.")
    created = run(load_demo_data)
    click.echo("Demo data loaded." if created else "Demo data already present; nothing to do.")


@coop_cli.command("reset-two-step")
@click.argument("email")
@click.option("--reason", required=True, help="Recorded in the audit log.")
def reset_two_step(email: str, reason: str) -> None:
    """Turn off a member's two-step sign-in (a lost authenticator); they are emailed."""
    from coop.accounts import second_factor

    member = run(second_factor.reset_by_admin, None, email, reason)
    click.echo(f"Two-step sign-in of {member.email} is reset.")
