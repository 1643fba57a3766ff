"""The password checks of the data export and of account deletion, under requests sent at
the same moment against the real Redis (issue 18, item 8): each guess is counted before the
password is checked, so a cap of 10 lets 10 through however many arrive together."""

import pytest
from sqlalchemy import func, select, update

from coop.accounts.models import Member
from coop.extensions import db
from coop.privacy.models import DataExport, ExportStatus
from tests.factories import client_for, signed_in
from tests.parallel import copy_of, own_prefix, post_at_once
from tests.support import PASSWORD, csrf_token, make_member

EXPORT, DELETE = "/account/export", "/account/delete"
CAP = 10


@pytest.fixture
def app(app_factory, redis_url):
    return app_factory(
        RATELIMIT_STORAGE_URI=redis_url,
        LIMIT_SIGNIN_PER_ACCOUNT=f"{CAP} per 15 minutes",
        LIMIT_SIGNIN_PER_IP="1000 per minute",
        # Counted before each request too: 14 at once would fill it before any is given back.
        LIMIT_EXPORT_REQUESTS="100 per hour",
        **own_prefix(),
    )


@pytest.fixture
def member_client(app):
    return signed_in(app)


def guesses(token: str, count: int, **extra) -> list[dict]:
    return [{"csrf_token": token, "password": f"wrong guess {n}", **extra} for n in range(count)]


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_fourteen_wrong_passwords_at_once_on_the_export_get_ten_answers(app, member_client):
    token = csrf_token(member_client, "/account")
    clients = [copy_of(app, member_client) for _ in range(14)]

    statuses = post_at_once(clients, EXPORT, guesses(token, 14))

    assert sorted(statuses) == [400] * CAP + [429] * 4
    assert rows(app, DataExport) == 0


def test_fourteen_wrong_passwords_at_once_on_deletion_get_ten_answers(app, member_client):
    token = csrf_token(member_client, DELETE)
    clients = [copy_of(app, member_client) for _ in range(14)]

    statuses = post_at_once(clients, DELETE, guesses(token, 14, contributions="keep"))

    assert sorted(statuses) == [400] * CAP + [429] * 4
    assert rows(app, Member) == 1


def test_both_forms_share_one_count_of_guesses(app, member_client):
    """A stolen session gets 10 guesses in all, not 10 on each form that asks again."""
    token = csrf_token(member_client, DELETE)
    half = CAP // 2
    export_guesses = post_at_once(
        [copy_of(app, member_client) for _ in range(half)], EXPORT, guesses(token, half)
    )
    deletion_guesses = post_at_once(
        [copy_of(app, member_client) for _ in range(half + 1)],
        DELETE,
        guesses(token, half + 1, contributions="keep"),
    )
    assert export_guesses == [400] * half
    assert sorted(deletion_guesses) == [400] * half + [429]


def test_the_right_password_is_given_back_and_refusals_do_not_count(app, member_client):
    token = csrf_token(member_client, "/account")

    def post(password: str) -> int:
        data = {"csrf_token": token, "password": password}
        return member_client.post(EXPORT, data=data).status_code

    assert [post(f"wrong {n}") for n in range(CAP - 1)] == [400] * (CAP - 1)
    assert post(PASSWORD) == 302  # the 10th attempt, right: given back
    assert post("wrong again") == 400  # so the 10th guess is still there
    assert [post(PASSWORD) for _ in range(3)] == [429] * 3  # past the cap: even the password
    assert post("wrong") == 429  # and refused attempts did not push the count further
    assert rows(app, DataExport) == 1


def test_copies_asked_for_at_once_are_limited_by_what_was_done(app_factory, redis_url):
    """The export's own limit counts each request before it runs and gives back those
    refused: of 6 correct requests at once, at most 2 copies are asked for."""
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LIMIT_EXPORT_REQUESTS="2 per hour",
                      **own_prefix())  # fmt: skip
    make_member(app)
    client = client_for(app, "member@example.org")
    token = csrf_token(client, "/account")
    forms = [{"csrf_token": token, "password": PASSWORD}] * 6

    statuses = post_at_once([copy_of(app, client) for _ in range(6)], EXPORT, forms)

    # Refused by the limit (429) or because a copy is already being made (409, which gives
    # its count back, test below): whichever comes first under load, never more than 2 copies.
    assert 1 <= statuses.count(302) <= 2
    assert set(statuses) - {302} <= {409, 429}
    assert rows(app, DataExport) == statuses.count(302)


def test_a_refusal_answered_by_the_error_page_gives_its_count_back(app_factory, redis_url):
    """A 409 raised to the error page (a copy is still being made) counts no more than one
    sent back with the form: asking again while waiting never ends in "too many attempts"."""
    app = app_factory(RATELIMIT_STORAGE_URI=redis_url, LIMIT_EXPORT_REQUESTS="2 per hour",
                      **own_prefix())  # fmt: skip
    make_member(app)
    client = client_for(app, "member@example.org")
    form = {"csrf_token": csrf_token(client, "/account"), "password": PASSWORD}
    assert client.post(EXPORT, data=form).status_code == 302
    with app.app_context():  # the copy is still being made
        db.session.execute(update(DataExport).values(status=ExportStatus.PENDING))
        db.session.commit()
    statuses = [client.post(EXPORT, data=form).status_code for _ in range(4)]
    assert statuses == [409] * 4
    assert rows(app, DataExport) == 1
