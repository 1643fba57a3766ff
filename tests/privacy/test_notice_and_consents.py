"""A new privacy notice is accepted before taking part; consents change in settings and are
kept with their history; withdrawing consent to political opinions stops their processing."""

from sqlalchemy import select

from coop.accounts.services import find_by_email
from coop.ballots.models import Ballot, BoxVoter
from coop.ballots.record import counted
from coop.ballots.services import entries
from coop.extensions import db
from coop.ideas.models import Idea, Reaction
from coop.privacy.models import ConsentKind, ConsentRecord
from tests.factories import client_for
from tests.support import make_idea, make_member, make_proposal, sign_in, submit


def history(app, email: str, kind: str) -> list[bool]:
    with app.app_context():
        member = find_by_email(email)
        return list(
            db.session.scalars(
                select(ConsentRecord.granted)
                .where(ConsentRecord.member_id == member.id, ConsentRecord.kind == kind)
                .order_by(ConsentRecord.id)
            )
        )


def test_the_notice_says_what_is_kept_how_long_and_by_whom(client):
    html = client.get("/privacy").get_data(as_text=True)
    for promise in ("How long we keep it", "7 days", "30 days",
                    "Nobody can decrypt it once the vote is counted", "hosting provider",
                    "email provider", "Nobody else receives your data", "Article 9(2)(a)",
                    "delete your account", "No tracking cookies"):  # fmt: skip
        assert promise in html, promise


def test_after_the_notice_changes_a_member_accepts_it_before_anything_else(app_factory):
    app = app_factory()
    make_member(app, email="rosa@example.org")
    make_member(app, email="sam@example.org")
    idea = make_idea(app, "sam@example.org", "Safer crossings")
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01-01"
    client = app.test_client()
    response = sign_in(client, "rosa@example.org")
    page = client.get(response.headers["Location"])
    assert page.status_code == 302 and page.headers["Location"].startswith("/privacy/accept")
    assert client.get(f"/ideas/{idea}").headers["Location"].startswith("/privacy/accept")
    assert client.get("/privacy").status_code == 200  # the notice itself can be read

    refused = submit(client, "/privacy/accept", {}, action=f"/ideas/{idea}/react")
    assert refused.status_code == 403  # the service refuses, whatever the door
    missing = submit(client, "/privacy/accept", {"next": f"/ideas/{idea}"})
    assert missing.status_code == 400 and b"Tick the box" in missing.data

    accepted = submit(client, "/privacy/accept", {"accept": "yes", "next": f"/ideas/{idea}"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == f"/ideas/{idea}"
    assert client.get(f"/ideas/{idea}").status_code in (200, 301)
    with app.app_context():
        assert find_by_email("rosa@example.org").privacy_notice_version == "2027-01-01"
        latest = db.session.scalars(
            select(ConsentRecord.notice_version)
            .where(ConsentRecord.kind == ConsentKind.PRIVACY_NOTICE)
            .order_by(ConsentRecord.id.desc())
        ).first()
    assert latest == "2027-01-01"
    react = submit(client, "/account", {"reaction": "support"}, action=f"/ideas/{idea}/react")
    assert react.status_code == 302


def test_an_external_next_address_is_not_followed(app_factory):
    app = app_factory()
    make_member(app, email="rosa@example.org")
    app.config["PRIVACY_NOTICE_VERSION"] = "2027-01-01"
    client = client_for(app, "rosa@example.org")
    response = submit(client, "/privacy/accept", {"accept": "yes", "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_consents_change_in_settings_with_their_history(app):
    make_member(app, email="rosa@example.org")
    client = client_for(app, "rosa@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert 'id="political_opinions" name="political_opinions" value="yes"' in page
    form = {"form": "consents", "political_opinions": "yes", "email_updates": "yes"}
    assert submit(client, "/account", form, action="/account/consents").status_code == 302
    assert history(app, "rosa@example.org", ConsentKind.EMAIL_UPDATES)[-1] is True
    submit(
        client,
        "/account",
        {"form": "consents", "political_opinions": "yes"},
        action="/account/consents",
    )
    assert history(app, "rosa@example.org", ConsentKind.EMAIL_UPDATES)[-2:] == [True, False]
    submit(client, "/account", {"digest_frequency": "none"}, action="/account/digest")
    assert history(app, "rosa@example.org", ConsentKind.DIGEST_EMAILS) == [False]


def test_withdrawing_consent_to_political_opinions_removes_them_at_once(app):
    make_member(app, email="rosa@example.org")
    make_member(app, email="sam@example.org")
    make_member(app, email="bo@example.org", role="organiser")
    idea = make_idea(app, "sam@example.org", "Safer crossings")
    proposal = make_proposal(app, "bo@example.org", "Fund the crossings?")
    client = client_for(app, "rosa@example.org")
    submit(client, "/account", {"reaction": "support"}, action=f"/ideas/{idea}/react")
    submit(client, "/account", {"choice": "for"}, action=f"/proposals/{proposal}/vote")
    with app.app_context():
        assert db.session.get(Idea, idea).support_count == 1
        assert db.session.scalar(select(BoxVoter.ballot_id)) is not None

    assert submit(client, "/account", {}, action="/account/consents").status_code == 400
    response = submit(client, "/account", {"form": "consents"}, action="/account/consents")
    assert b"you no longer take part" in client.get(response.headers["Location"]).data
    with app.app_context():
        assert db.session.get(Idea, idea).support_count == 0
        assert db.session.scalar(select(Reaction.id)) is None
        assert db.session.scalar(select(BoxVoter.member_id)) is None  # took no part
        box_id = db.session.scalar(select(Ballot.box_id))
        assert counted(entries(box_id)) == []  # a public removal entry took the ballot out
        assert [e.replaces for e in entries(box_id)] == [None, 1]
    assert history(app, "rosa@example.org", ConsentKind.POLITICAL_OPINIONS)[-1] is False
    again = submit(client, "/account", {"reaction": "support"}, action=f"/ideas/{idea}/react")
    assert again.status_code == 403


def test_changing_consents_needs_the_csrf_token(app):
    make_member(app, email="rosa@example.org")
    client = client_for(app, "rosa@example.org")
    assert client.post("/account/consents", data={}).status_code == 400
    with app.app_context():
        assert find_by_email("rosa@example.org").political_opinions_consent is True


def test_the_account_page_shows_what_the_member_agreed_to_and_when(app):
    """Beside the consents, without downloading an archive: each change, its time and the
    notice version it was made under."""
    make_member(app, email="rosa@example.org")
    client = client_for(app, "rosa@example.org")
    submit(client, "/account", {"form": "consents"}, action="/account/consents")  # withdraws

    html = client.get("/account").get_data(as_text=True)

    history = html.split("What you agreed to, and when", 1)[1].split("</details>", 1)[0]
    assert history.index("Withdrew consent to keeping the views you express") < history.index(
        "Agreed that we keep the views you express"
    )  # newest first
    assert f"version {app.config['PRIVACY_NOTICE_VERSION']}" in history
    assert "Read the privacy notice" in history
