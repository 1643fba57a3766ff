"""Signed-in test clients, written once for every package's tests.

`client_for` signs in a member who already exists; `signed_in` makes the member first when
no member has that address. Both assert that the sign-in worked (a 302 to the next page).
"""

from flask import Flask
from flask.testing import FlaskClient

from coop.accounts.models import Role
from coop.extensions import db
from tests.support import load_member, make_member, sign_in


def client_for(app: Flask, email: str | None = None, **sign_in_fields) -> FlaskClient:
    """A new test client signed in as the existing member `email`, or a visitor's client
    when `email` is None. `sign_in_fields` go with the form (for example remember="y")."""
    client = app.test_client()
    if email is not None:
        response = sign_in(client, email, **sign_in_fields)
        assert response.status_code == 302, f"could not sign in {email}"
    return client


def signed_in(
    app: Flask,
    email: str = "member@example.org",
    name: str = "Test Member",
    role: Role = Role.MEMBER,
    **member_options,
) -> FlaskClient:
    """A new test client signed in as `email`, made first (with make_member: `name`, `role`
    and `member_options`) if no member has that address yet."""
    if load_member(app, email) is None:
        make_member(app, email=email, name=name, role=role, **member_options)
    return client_for(app, email)


def organiser_without_two_step(app: Flask) -> FlaskClient:
    """A signed-in organiser who has not set up two-step sign-in yet."""
    make_member(app, email="org@example.org", role=Role.ORGANISER)
    with app.app_context():
        member = db.session.merge(load_member(app, "org@example.org"))
        member.totp_secret = None
        db.session.commit()
    client = app.test_client()
    sign_in(client, "org@example.org")
    return client
