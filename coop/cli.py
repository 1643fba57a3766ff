"""The `flask coop ...` command group. Each feature adds its commands in its own cli.py,
found by name as its tasks are (coop/features.py); `run` is their unit of work."""

import click
from flask import Flask
from flask.cli import AppGroup

from coop.errors import DomainError
from coop.extensions import db
from coop.features import feature_modules

coop_cli = AppGroup("coop", help="Manage the co-operative's platform.")


def run(action, *args) -> object:
    """Run a service and commit; a domain error rolls back and is the command's error."""
    try:
        result = action(*args)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    except BaseException:
        db.session.rollback()
        raise
    return result


def register_commands(app: Flask) -> None:
    feature_modules("cli")  # each adds its commands to coop_cli as it is imported
    app.cli.add_command(coop_cli)
