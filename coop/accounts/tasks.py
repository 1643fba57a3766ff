"""Emails whose recipient is looked up in the worker, so the request that asked for them
answers alike (in content and in time) whether or not the address has an account."""

from celery import shared_task

from coop.accounts import services
from coop.extensions import db


@shared_task(name="coop.accounts.send_password_reset_email")
def send_password_reset_email(email: str) -> None:
    services.send_password_reset_email(email)
    db.session.commit()


@shared_task(name="coop.accounts.send_verification_email")
def send_verification_email(email: str) -> None:
    services.send_verification_email(email)
    db.session.commit()
