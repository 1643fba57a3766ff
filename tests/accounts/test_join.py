from sqlalchemy import select

from coop.accounts import services
from coop.accounts.services import find_by_email
from coop.extensions import db
from coop.privacy.models import ConsentRecord
from tests.support import NOTICE, PASSWORD, body_of, join_data, load_member, make_member, submit


def test_joining_creates_an_unverified_member_with_recorded_consents(app, client, outbox):
    response = submit(client, "/join", join_data(email_updates="y"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/check-your-email/join"
    member = load_member(app, "rosa@example.org")
    assert member.display_name == "Rosa Parks-Fan"
    assert not member.is_verified
    assert member.privacy_notice_version == NOTICE
    assert member.political_opinions_consent and member.email_updates_consent
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash
    with app.app_context():
        records = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.kind)).all()
        assert [(r.kind, r.granted, r.notice_version) for r in records] == [
            ("email_updates", True, None),
            ("political_opinions", True, None),
            ("privacy_notice", True, NOTICE),
        ]
    [email] = outbox.to("rosa@example.org")
    assert email["Subject"] == "Confirm your email address"
    assert "http://localhost/verify/" in body_of(email)


def test_email_updates_are_off_unless_ticked(app, client):
    submit(client, "/join", join_data())
    assert load_member(app, "rosa@example.org").email_updates_consent is False


def test_joining_with_a_taken_address_answers_the_same_and_warns_the_owner(app, client, outbox):
    make_member(app, email="rosa@example.org", name="Original Rosa")

    response = submit(client, "/join", join_data(display_name="Impostor"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/check-your-email/join"
    assert load_member(app, "rosa@example.org").display_name == "Original Rosa"
    [email] = outbox.to("rosa@example.org")
    assert email["Subject"] == "Someone tried to join with your email address"
    assert "/verify/" not in body_of(email)


def test_joining_at_the_same_moment_as_the_owner_answers_the_same(app, client, outbox, monkeypatch):
    """The address is free when looked up and taken when written (the owner's join committed
    in between): only the second join's rows are undone, and it is answered as for any
    address already taken, the owner warned."""
    make_member(app, email="rosa@example.org", name="Original Rosa")
    with app.app_context():
        consents = len(db.session.scalars(select(ConsentRecord)).all())
    looked_up = []

    def free_the_first_time(email: str):
        looked_up.append(email)
        return None if len(looked_up) == 1 else find_by_email(email)

    monkeypatch.setattr(services, "find_by_email", free_the_first_time)
    response = submit(client, "/join", join_data(display_name="Impostor"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/check-your-email/join"
    assert load_member(app, "rosa@example.org").display_name == "Original Rosa"
    with app.app_context():
        assert len(db.session.scalars(select(ConsentRecord)).all()) == consents
    [email] = outbox.to("rosa@example.org")
    assert email["Subject"] == "Someone tried to join with your email address"


def test_check_email_page_reads_the_same_for_new_and_taken_addresses(app, client):
    make_member(app, email="taken@example.org")
    first = submit(client, "/join", join_data(email="taken@example.org"), follow_redirects=True)
    second = submit(client, "/join", join_data(email="new@example.org"), follow_redirects=True)
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()


def test_an_unverified_owner_gets_a_link_to_choose_a_password_on_a_join_attempt(
    app, client, outbox
):
    """Not a confirmation link: the account may have been opened by someone else with this
    address (tests/accounts/test_pre_account_hijack.py)."""
    make_member(app, email="rosa@example.org", verified=False)
    submit(client, "/join", join_data())
    [email] = outbox.to("rosa@example.org")
    assert "/reset-password/" in body_of(email)
    assert "/verify/" not in body_of(email)


def expect_field_error(response, field: str, text: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    assert text in html
    assert "There is a problem" in html


def test_invalid_email_is_refused_beside_the_field(app, client):
    response = submit(client, "/join", join_data(email="not-an-address"))
    expect_field_error(response, "email", "Enter a valid email address")
    assert load_member(app, "not-an-address") is None


def test_short_password_is_refused(client):
    response = submit(client, "/join", join_data(password="short pass"))
    expect_field_error(response, "password", "at least 12 characters")


def test_common_password_is_refused(client):
    response = submit(client, "/join", join_data(password="password1234"))
    expect_field_error(response, "password", "too common")


def test_easily_guessed_password_is_refused(client):
    response = submit(client, "/join", join_data(password="qwertyuiopas"))
    expect_field_error(response, "password", "too easy to guess")


def test_password_containing_the_email_name_is_refused(client):
    response = submit(client, "/join", join_data(password="rosa-rosa-rosa-1999"))
    expect_field_error(response, "password", "name or email")


def test_privacy_notice_must_be_accepted(app, client, outbox):
    response = submit(client, "/join", join_data(accept_privacy=None))
    expect_field_error(response, "accept_privacy", "accept the privacy notice")
    assert load_member(app, "rosa@example.org") is None
    assert outbox.messages() == []


def test_consent_to_process_political_opinions_is_required(app, client):
    response = submit(client, "/join", join_data(political_consent=None))
    expect_field_error(response, "political_consent", "we need this consent")
    assert load_member(app, "rosa@example.org") is None


def test_an_outdated_privacy_notice_version_is_refused(app, client):
    response = submit(client, "/join", join_data(notice_version="2020-01-01"))
    expect_field_error(response, "accept_privacy", "privacy notice has changed")
    assert load_member(app, "rosa@example.org") is None


def test_oversized_fields_are_refused(app, client):
    response = submit(client, "/join", join_data(display_name="x" * 61))
    expect_field_error(response, "display_name", "60 characters")
    response = submit(client, "/join", join_data(password="p" * 300))
    assert response.status_code == 400
    assert load_member(app, "rosa@example.org") is None


def test_a_body_over_the_size_limit_gets_413(client):
    response = submit(client, "/join", join_data(display_name="x" * (2 * 1024 * 1024)))
    assert response.status_code == 413


def test_join_without_csrf_token_is_refused_and_writes_nothing(app, client, outbox):
    response = client.post("/join", data=join_data())
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert load_member(app, "rosa@example.org") is None
    assert outbox.messages() == []


def test_join_form_labels_every_input(client):
    html = client.get("/join").get_data(as_text=True)
    for field in ("display_name", "email", "password", "accept_privacy", "political_consent"):
        assert f'<label for="{field}">' in html
    assert 'href="/privacy"' in html
